package op

import (
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestAdd: the sum element by element, its gradient against finite
// differences for both inputs, float32 against float64, and bad inputs.
func TestAdd(t *testing.T) {
	rng := rand.New(rand.NewSource(41))
	build := func(in G.Nodes) (*G.Node, error) { return Add(in[0], in[1]) }
	for _, shape := range [][]int{{2, 3, 4, 5}, {7}} {
		x, y := randTensor(rng, shape...), randTensor(rng, shape...)
		checkGrad(t, build, []*tensor.Dense{x, y}, []bool{true, true})
		checkF32(t, build, x, y)
		got := forward(t, build, x, y)
		for i, v := range x.Data().([]float64) {
			if want := v + y.Data().([]float64)[i]; got[i] != want {
				t.Fatalf("shape %v: out[%d] = %g, want %g", shape, i, got[i], want)
			}
		}
	}
	g := G.NewGraph()
	a := G.NewTensor(g, tensor.Float64, 2, G.WithShape(2, 3), G.WithName("a"))
	b := G.NewTensor(g, tensor.Float64, 2, G.WithShape(3, 2), G.WithName("b"))
	c := G.NewTensor(g, tensor.Float32, 2, G.WithShape(2, 3), G.WithName("c"))
	for _, in := range [][2]*G.Node{{a, b}, {a, c}, {a, nil}} {
		if _, err := Add(in[0], in[1]); err == nil {
			t.Errorf("Add(%v, %v): no error", in[0], in[1])
		}
	}
}
