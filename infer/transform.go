package infer

import (
	"image"
	"math"

	"github.com/pkg/errors"
)

// A Transform turns a picture into a model's input the way its training
// data was prepared, following torchvision's evaluation transforms on PIL
// images: convert to RGB (or grey), Resize, CenterCrop, ToTensor,
// Normalize.
type Transform struct {
	// Resize is the length the shorter side is resized to, keeping the
	// aspect ratio (torchvision's Resize(int)), before the centre crop.
	// 0 means the picture is resized to exactly Height x Width
	// (Resize((H, W))) and not cropped.
	Resize int
	// Height and Width are the size of the result (the centre crop).
	Height, Width int
	// Grey converts to one grey channel (Pillow's convert("L")) instead
	// of three RGB channels.
	Grey bool
	// Mean and Std normalise each channel of the [0,1] pixels: one value
	// per channel each.
	Mean, Std []float32
}

// Channels is 1 for Grey, 3 otherwise.
func (t Transform) Channels() int {
	if t.Grey {
		return 1
	}
	return 3
}

func (t Transform) check() error {
	c := t.Channels()
	switch {
	case t.Height <= 0 || t.Width <= 0 || t.Resize < 0:
		return errors.Errorf("infer: transform size %dx%d, resize %d: sizes must be positive", t.Height, t.Width, t.Resize)
	case len(t.Mean) != c || len(t.Std) != c:
		return errors.Errorf("infer: transform has %d means and %d standard deviations for %d channels", len(t.Mean), len(t.Std), c)
	}
	for i, s := range t.Std {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return errors.Errorf("infer: transform std[%d] = %v, want positive", i, s)
		}
	}
	return nil
}

// Apply writes the transformed image into dst, C*Height*Width values in
// CHW order.
func (t Transform) Apply(img image.Image, dst []float32) error {
	if err := t.check(); err != nil {
		return err
	}
	c := t.Channels()
	if len(dst) != c*t.Height*t.Width {
		return errors.Errorf("infer: Apply: destination of %d values, want %d x %d x %d", len(dst), c, t.Height, t.Width)
	}
	if img == nil || img.Bounds().Empty() {
		return errors.New("infer: Apply: empty image")
	}
	var p pixmap
	if t.Grey {
		p = greyPixmap(img)
	} else {
		p = rgbPixmap(img)
	}
	if t.Resize == 0 {
		p = resize(p, t.Width, t.Height)
	} else {
		w, h := resizedShorter(p.w, p.h, t.Resize)
		p = resize(p, w, h)
	}
	top, left := cropOffset(p.h, t.Height), cropOffset(p.w, t.Width)
	plane := t.Height * t.Width
	for ch := range c {
		mean, std := t.Mean[ch], t.Std[ch]
		out := dst[ch*plane : (ch+1)*plane]
		for y := range t.Height {
			sy := y + top
			for x := range t.Width {
				sx := x + left
				v := float32(0) // torchvision pads a too-small picture with zeros
				if sy >= 0 && sy < p.h && sx >= 0 && sx < p.w {
					v = float32(p.pix[(sy*p.w+sx)*c+ch]) / 255
				}
				out[y*t.Width+x] = (v - mean) / std
			}
		}
	}
	return nil
}

// resizedShorter is torchvision 0.14's output size for Resize(size) on a
// w x h picture: the shorter side becomes size, the longer
// int(size * long / short).
func resizedShorter(w, h, size int) (int, int) {
	short, long := w, h
	if w > h {
		short, long = h, w
	}
	newLong := int(float64(size) * float64(long) / float64(short))
	if w <= h {
		return size, newLong
	}
	return newLong, size
}

// cropOffset is torchvision's CenterCrop offset: int(round((n - crop) /
// 2.0)), with Python's round half to even. A negative offset means
// padding (the picture is smaller than the crop): torchvision pads
// (crop - n) // 2 on the low side, which the same formula gives.
func cropOffset(n, crop int) int {
	if n < crop {
		return -((crop - n) / 2)
	}
	return int(math.RoundToEven(float64(n-crop) / 2))
}
