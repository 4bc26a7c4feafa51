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

// TestAddInPlace: where its first input is dead afterwards, Add writes
// over that input's tensor (no buffer of its own, as Gorgonia's Add), and
// the sum stays right over two runs.
func TestAddInPlace(t *testing.T) {
	g := G.NewGraph()
	xv := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, -2, 3, 4, 5, 6}))
	yv := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{10, 20, 30, 40, 50, 60}))
	x := G.NodeFromAny(g, xv, G.WithName("x"))
	y := G.NodeFromAny(g, yv, G.WithName("y"))
	a, err := ReLU(x) // an intermediate value, dead after Add
	if err != nil {
		t.Fatal(err)
	}
	z, err := Add(a, y)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	want := []float64{11, 20, 33, 44, 55, 66}
	for run := range 2 {
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		if z.Value().(*tensor.Dense) != a.Value().(*tensor.Dense) {
			t.Errorf("run %d: Add wrote into a buffer of its own, not over its dead first input", run)
		}
		for i, v := range z.Value().Data().([]float64) {
			if v != want[i] {
				t.Fatalf("run %d: z[%d] = %g, want %g", run, i, v, want[i])
			}
		}
		vm.Reset()
	}
}
