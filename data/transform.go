package data

import (
	"math/rand"

	"github.com/pkg/errors"
)

// A Transform changes one example in place: x is float32 CHW of shape (c, h, w). It
// draws any randomness from rng, so that a run can be repeated.
type Transform interface {
	Apply(rng *rand.Rand, x []float32, c, h, w int)
}

// validator is implemented by the transforms of this package so that NewLoader can
// reject bad settings instead of ignoring them.
type validator interface {
	validate() error
}

// RandomCrop pads the image with Padding zeros on every side and crops it back to its
// size at a uniformly random offset (CIFAR: Padding 4). Padding 0 leaves the image as it
// is and draws nothing from rng. It works in place, without allocating.
type RandomCrop struct{ Padding int }

func (t RandomCrop) validate() error {
	if t.Padding < 0 {
		return errors.Errorf("data: RandomCrop padding %d is negative", t.Padding)
	}
	return nil
}

// Apply crops x in place.
func (t RandomCrop) Apply(rng *rand.Rand, x []float32, c, h, w int) {
	p := t.Padding
	if p <= 0 {
		return
	}
	dy, dx := rng.Intn(2*p+1)-p, rng.Intn(2*p+1)-p
	// out(y, x) = in(y+dy, x+dx), zero outside. Walking towards the source keeps every
	// read ahead of the writes.
	ys, ye, ystep := 0, h, 1
	if dy < 0 {
		ys, ye, ystep = h-1, -1, -1
	}
	xs, xe, xstep := 0, w, 1
	if dx < 0 {
		xs, xe, xstep = w-1, -1, -1
	}
	for ch := 0; ch < c; ch++ {
		plane := x[ch*h*w : (ch+1)*h*w]
		for y := ys; y != ye; y += ystep {
			sy := y + dy
			row := plane[y*w : (y+1)*w]
			if sy < 0 || sy >= h {
				clear(row)
				continue
			}
			srow := plane[sy*w : (sy+1)*w]
			for xi := xs; xi != xe; xi += xstep {
				if sx := xi + dx; sx >= 0 && sx < w {
					row[xi] = srow[sx]
				} else {
					row[xi] = 0
				}
			}
		}
	}
}

// HorizontalFlip mirrors the image left to right with probability P (0 means 0.5).
// It draws one number from rng per example.
type HorizontalFlip struct{ P float64 }

func (t HorizontalFlip) validate() error {
	if !(t.P >= 0 && t.P <= 1) {
		return errors.Errorf("data: HorizontalFlip probability %v is not in [0, 1]", t.P)
	}
	return nil
}

// Apply flips x in place with probability P.
func (t HorizontalFlip) Apply(rng *rand.Rand, x []float32, c, h, w int) {
	p := t.P
	if p == 0 {
		p = 0.5
	}
	if rng.Float64() >= p {
		return
	}
	for r := 0; r < c*h; r++ {
		row := x[r*w : (r+1)*w]
		for i, j := 0, w-1; i < j; i, j = i+1, j-1 {
			row[i], row[j] = row[j], row[i]
		}
	}
}
