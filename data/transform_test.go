package data

import (
	"math/rand"
	"reflect"
	"testing"
)

// refCrop pads x with zeros into a new buffer and crops it, drawing the offsets as
// RandomCrop does.
func refCrop(rng *rand.Rand, x []float32, c, h, w, p int) []float32 {
	oy, ox := rng.Intn(2*p+1), rng.Intn(2*p+1)
	ph, pw := h+2*p, w+2*p
	padded := make([]float32, c*ph*pw)
	for ch := range c {
		for y := range h {
			copy(padded[ch*ph*pw+(y+p)*pw+p:], x[ch*h*w+y*w:ch*h*w+(y+1)*w])
		}
	}
	out := make([]float32, c*h*w)
	for ch := range c {
		for y := range h {
			copy(out[ch*h*w+y*w:ch*h*w+(y+1)*w], padded[ch*ph*pw+(y+oy)*pw+ox:])
		}
	}
	return out
}

func TestRandomCropMatchesPadThenCrop(t *testing.T) {
	for _, sz := range [][4]int{{3, 8, 8, 4}, {2, 3, 5, 1}, {1, 3, 2, 5}, {1, 1, 1, 1}} {
		c, h, w, p := sz[0], sz[1], sz[2], sz[3]
		src := rand.New(rand.NewSource(int64(h*100 + w)))
		for seed := range int64(200) {
			x := make([]float32, c*h*w)
			for i := range x {
				x[i] = src.Float32() + 0.1
			}
			want := refCrop(rand.New(rand.NewSource(seed)), x, c, h, w, p)
			RandomCrop{Padding: p}.Apply(rand.New(rand.NewSource(seed)), x, c, h, w)
			if !reflect.DeepEqual(x, want) {
				t.Fatalf("%dx%dx%d padding %d seed %d:\ngot  %v\nwant %v", c, h, w, p, seed, x, want)
			}
		}
	}
	x := []float32{1, 2, 3, 4}
	RandomCrop{}.Apply(nil, x, 1, 2, 2) // padding 0: identity, no rng needed
	if !reflect.DeepEqual(x, []float32{1, 2, 3, 4}) {
		t.Errorf("padding 0 changed the image: %v", x)
	}
}

func TestHorizontalFlip(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12} // 2 channels of 2x3
	HorizontalFlip{P: 1}.Apply(rand.New(rand.NewSource(1)), x, 2, 2, 3)
	if want := []float32{3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10}; !reflect.DeepEqual(x, want) {
		t.Errorf("flip = %v, want %v", x, want)
	}
	rng := rand.New(rand.NewSource(7))
	flips := 0
	for range 2000 {
		y := []float32{0, 1}
		HorizontalFlip{}.Apply(rng, y, 1, 1, 2)
		if y[0] == 1 {
			flips++
		}
	}
	if flips < 900 || flips > 1100 {
		t.Errorf("P=0 (meaning 0.5) flipped %d of 2000", flips)
	}
}

// hidden hides a Set's type so MeanStd takes its generic path.
type hidden struct{ Dataset }

func TestMeanStd(t *testing.T) {
	s := &Set{Name: "two", C: 2, H: 1, W: 2, Classes: 1,
		Images: []byte{0, 255, 51, 51, 255, 255, 51, 153}, Labels: []byte{0, 0}}
	mean, std := MeanStd(s)
	// channel 0: 0, 1, 1, 1 => mean 0.75, std sqrt(0.1875); channel 1: .2 .2 .2 .6
	want := [][2]float64{{0.75, 0.4330127}, {0.3, 0.17320508}}
	for ch, w := range want {
		if d := float64(mean[ch]) - w[0]; d > 1e-6 || d < -1e-6 {
			t.Errorf("mean[%d] = %v, want %v", ch, mean[ch], w[0])
		}
		if d := float64(std[ch]) - w[1]; d > 1e-6 || d < -1e-6 {
			t.Errorf("std[%d] = %v, want %v", ch, std[ch], w[1])
		}
	}
	r := randomSet(20, 3, 4, 5, 3)
	m1, s1 := MeanStd(r)
	m2, s2 := MeanStd(hidden{r})
	for ch := range 3 {
		if d := m1[ch] - m2[ch]; d > 1e-6 || d < -1e-6 || s1[ch]-s2[ch] > 1e-6 || s2[ch]-s1[ch] > 1e-6 {
			t.Errorf("channel %d: Set path %v %v, generic path %v %v", ch, m1[ch], s1[ch], m2[ch], s2[ch])
		}
	}
}
