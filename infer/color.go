package infer

import (
	"image"
	"image/color"
)

// rgbPixmap converts img to 8-bit RGB as Pillow's Image.convert("RGB")
// does: grey is copied to the three channels, alpha is dropped (not
// composited: a transparent pixel keeps its stored colour where the image
// stores one non-premultiplied, NRGBA or a PNG palette's tRNS entries; premultiplied images are
// un-premultiplied first), CMYK goes through Go's color.CMYKToRGB and
// 16-bit samples keep their high byte. JPEG's YCbCr uses Go's conversion,
// which may differ from libjpeg's by a unit (and Go does not interpolate
// chroma as libjpeg's "fancy upsampling" does).
func rgbPixmap(img image.Image) pixmap {
	if m, ok := img.(oriented); ok {
		return orient(rgbPixmap(m.Image), m.o)
	}
	r := img.Bounds()
	p := pixmap{w: r.Dx(), h: r.Dy(), c: 3}
	p.pix = make([]uint8, p.w*p.h*3)
	i := 0
	switch m := img.(type) {
	case *image.YCbCr:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				yi, ci := m.YOffset(x, y), m.COffset(x, y)
				p.pix[i], p.pix[i+1], p.pix[i+2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				i += 3
			}
		}
	case *image.Gray:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for _, v := range m.Pix[m.PixOffset(r.Min.X, y):][:p.w] {
				p.pix[i], p.pix[i+1], p.pix[i+2] = v, v, v
				i += 3
			}
		}
	case *image.NRGBA:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := m.Pix[m.PixOffset(r.Min.X, y):][:4*p.w]
			for j := 0; j < len(row); j += 4 {
				copy(p.pix[i:i+3], row[j:j+3])
				i += 3
			}
		}
	default:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				// A PNG palette's transparent entries are NRGBA: keep their colour.
				if n, ok := img.At(x, y).(color.NRGBA); ok {
					p.pix[i], p.pix[i+1], p.pix[i+2] = n.R, n.G, n.B
					i += 3
					continue
				}
				c := color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
				p.pix[i], p.pix[i+1], p.pix[i+2] = uint8(c.R>>8), uint8(c.G>>8), uint8(c.B>>8)
				i += 3
			}
		}
	}
	return p
}

// greyPixmap converts img to 8-bit grey as Pillow's convert("L") does:
// grey images are copied (16-bit: high byte), colour images go through
// RGB and L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16 (ITU-R 601-2
// luma, Pillow's L24 macro).
func greyPixmap(img image.Image) pixmap {
	if m, ok := img.(oriented); ok {
		return orient(greyPixmap(m.Image), m.o)
	}
	r := img.Bounds()
	p := pixmap{w: r.Dx(), h: r.Dy(), c: 1, pix: make([]uint8, r.Dx()*r.Dy())}
	switch m := img.(type) {
	case *image.Gray:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			copy(p.pix[(y-r.Min.Y)*p.w:], m.Pix[m.PixOffset(r.Min.X, y):][:p.w])
		}
		return p
	case *image.Gray16:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				p.pix[(y-r.Min.Y)*p.w+x-r.Min.X] = uint8(m.Gray16At(x, y).Y >> 8)
			}
		}
		return p
	}
	rgb := rgbPixmap(img)
	for i := range p.pix {
		c := rgb.pix[3*i:]
		p.pix[i] = uint8((uint32(c[0])*19595 + uint32(c[1])*38470 + uint32(c[2])*7471 + 0x8000) >> 16)
	}
	return p
}
