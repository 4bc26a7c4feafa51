package op

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

var lrnCases = []struct {
	name           string
	shape          []int
	size           int
	alpha, beta, k float64
}{
	{"alexnet size 5", []int{2, 7, 2, 3}, 5, 1e-4, 0.75, 2},
	{"size 5 large alpha", []int{2, 7, 2, 3}, 5, 3, 0.75, 1},
	{"size 3", []int{1, 6, 3, 2}, 3, 2, 0.5, 1.5},
	{"C < size", []int{1, 2, 3, 3}, 5, 1, 0.75, 1},
	{"even size 4", []int{1, 6, 2, 2}, 4, 1.5, 1.2, 0.8},
}

func lrnBuild(size int, alpha, beta, k float64) func(in G.Nodes) (*G.Node, error) {
	return func(in G.Nodes) (*G.Node, error) { return LRN(in[0], size, alpha, beta, k) }
}

func TestLRNGrad(t *testing.T) {
	for i, c := range lrnCases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(110 + i)))
			x := randTensor(rng, c.shape...)
			d := x.Data().([]float64)
			for j := range d {
				d[j] *= 2 // values up to 2 make the alpha term matter
			}
			checkGrad(t, lrnBuild(c.size, c.alpha, c.beta, c.k), []*tensor.Dense{x}, []bool{true})
			checkF32(t, lrnBuild(c.size, c.alpha, c.beta, c.k), x)
		})
	}
}

// TestLRNGolden compares with PyTorch's F.local_response_norm.
func TestLRNGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/lrn_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct {
			Shape          []int
			Size           int
			Alpha, Beta, K float64
			X              []float64
			golden
		}
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("no cases in lrn_golden.json")
	}
	for _, c := range file.Cases {
		t.Run(fmt.Sprintf("%v size=%d alpha=%g beta=%g k=%g", c.Shape, c.Size, c.Alpha, c.Beta, c.K), func(t *testing.T) {
			build := func(x *G.Node) (*G.Node, error) { return LRN(x, c.Size, c.Alpha, c.Beta, c.K) }
			checkGolden(t, build, c.Shape, c.X, c.golden)
		})
	}
}

// TestLRNHand checks one element by hand: C = 3, size 3, x = (1, 2, 3):
// channel 1 sees all three, b = 2 * (k + alpha/3 * 14)^-beta.
func TestLRNHand(t *testing.T) {
	x := tensor.New(tensor.WithShape(1, 3, 1, 1), tensor.WithBacking([]float64{1, 2, 3}))
	got := forward(t, lrnBuild(3, 0.3, 0.75, 2), x)
	want := []float64{
		1 * math.Pow(2+0.1*5, -0.75),
		2 * math.Pow(2+0.1*14, -0.75),
		3 * math.Pow(2+0.1*13, -0.75),
	}
	poolNear(t, "LRN", got, want, 1e-12)
}

// BenchmarkLRN: forward+backward of AlexNet's first LRN, float32,
// 8x96x55x55.
func BenchmarkLRN(b *testing.B) {
	poolBench(b, []int{8, 96, 55, 55}, func(x *G.Node) (*G.Node, error) { return LRN(x, 5, 1e-4, 0.75, 2) })
}
