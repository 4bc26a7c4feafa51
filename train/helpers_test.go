package train

import (
	"math/rand"
	"testing"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// patterns returns n 1x8x8 images of 4 classes: a bright bar in the top,
// bottom, left or right half, at a random position, over noise.
func patterns(n int, seed int64) *data.Set {
	rng := rand.New(rand.NewSource(seed))
	s := &data.Set{Name: "patterns", C: 1, H: 8, W: 8, Classes: 4, Images: make([]uint8, n*64), Labels: make([]uint8, n)}
	for i := range n {
		img := s.Images[i*64 : (i+1)*64]
		for j := range img {
			img[j] = uint8(rng.Intn(60))
		}
		k := rng.Intn(4)
		s.Labels[i] = uint8(k)
		pos := rng.Intn(4)
		for j := range 8 {
			switch k {
			case 0:
				img[pos*8+j] = 255
			case 1:
				img[(4+pos)*8+j] = 255
			case 2:
				img[j*8+pos] = 255
			case 3:
				img[j*8+4+pos] = 255
			}
		}
	}
	return s
}

// tiny is conv-BN-ReLU-pool-flatten-dropout-linear.
func tiny(b *graph.Builder, x *G.Node) *G.Node {
	x = b.Conv2d("conv", x, 4, 3, graph.Conv2dOpts{Padding: 1})
	x = b.BatchNorm("bn", x, graph.BatchNormOpts{})
	x = b.ReLU("relu", x)
	x = b.MaxPool2d("pool", x, 2, graph.PoolOpts{})
	x = b.Flatten("flatten", x)
	x = b.Dropout("drop", x, 0.25)
	return b.Linear("fc", x, 4, graph.LinearOpts{})
}

func newTrainer(t *testing.T, cfg Config) *Trainer {
	t.Helper()
	tr, err := New(tiny, graph.NewParams(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// lossRecorder records every step's loss.
func lossRecorder(losses *[]float64) Hook {
	return HookFuncs{Step: func(s *State) error { *losses = append(*losses, s.Loss); return nil }}
}

func values(t *testing.T, ps *graph.Params, name string) []float64 {
	t.Helper()
	p, ok := ps.Get(name)
	if !ok {
		t.Fatalf("no parameter %q", name)
	}
	return getData(p.Value.Clone().(*tensor.Dense))
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
