package infer

import (
	"image"
	"image/color"
)

// oriented is an image shown as its EXIF orientation o (2 to 8) asks:
// the stored pixels mirrored and/or rotated, as Pillow's
// ImageOps.exif_transpose does. It converts lazily; rgbPixmap and
// greyPixmap convert the stored image first and turn the pixmap.
type oriented struct {
	image.Image
	o int
}

// swaps reports whether orientation o exchanges width and height.
func swaps(o int) bool { return o >= 5 }

func (m oriented) Bounds() image.Rectangle {
	r := m.Image.Bounds()
	if swaps(m.o) {
		return image.Rect(0, 0, r.Dy(), r.Dx())
	}
	return image.Rect(0, 0, r.Dx(), r.Dy())
}

func (m oriented) At(x, y int) color.Color {
	r := m.Image.Bounds()
	sx, sy := source(m.o, x, y, r.Dx(), r.Dy())
	return m.Image.At(r.Min.X+sx, r.Min.Y+sy)
}

// source maps a displayed pixel (x, y) to the stored one of a w x h image.
func source(o, x, y, w, h int) (sx, sy int) {
	switch o {
	case 2: // mirrored left-right
		return w - 1 - x, y
	case 3: // rotated 180
		return w - 1 - x, h - 1 - y
	case 4: // mirrored top-bottom
		return x, h - 1 - y
	case 5: // transposed
		return y, x
	case 6: // stored turned 90 counter-clockwise: turn it 90 clockwise
		return y, h - 1 - x
	case 7: // transversed
		return w - 1 - y, h - 1 - x
	case 8: // stored turned 90 clockwise: turn it 90 counter-clockwise
		return w - 1 - y, x
	}
	return x, y
}

// orient returns p shown as orientation o.
func orient(p pixmap, o int) pixmap {
	if o < 2 || o > 8 {
		return p
	}
	q := pixmap{w: p.w, h: p.h, c: p.c, pix: make([]uint8, len(p.pix))}
	if swaps(o) {
		q.w, q.h = p.h, p.w
	}
	for y := range q.h {
		for x := range q.w {
			sx, sy := source(o, x, y, p.w, p.h)
			copy(q.pix[(y*q.w+x)*q.c:][:q.c], p.pix[(sy*p.w+sx)*p.c:])
		}
	}
	return q
}
