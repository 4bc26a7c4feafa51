package op

import (
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// awayFromZero returns a random tensor whose entries are at least 0.05
// away from 0, where ReLU is not differentiable.
func awayFromZero(rng *rand.Rand, shape ...int) *tensor.Dense {
	x := randTensor(rng, shape...)
	d := x.Data().([]float64)
	for i, v := range d {
		d[i] = v + math.Copysign(0.05, v)
	}
	return x
}

func TestReLU(t *testing.T) {
	rng := rand.New(rand.NewSource(31))
	build := func(in G.Nodes) (*G.Node, error) { return ReLU(in[0]) }
	for _, shape := range [][]int{{2, 3, 4, 4}, {5, 7}} {
		x := awayFromZero(rng, shape...)
		checkGrad(t, build, []*tensor.Dense{x}, []bool{true})
		checkF32(t, build, x)
		checkGradF32(t, build, x)
		got := forward(t, build, x)
		for i, v := range x.Data().([]float64) {
			if want := math.Max(v, 0); got[i] != want {
				t.Fatalf("relu(%g) = %g, want %g", v, got[i], want)
			}
		}
	}
	// The gradient at exactly 0 (either sign) is 0, as in PyTorch.
	zero := tensor.New(tensor.WithShape(5), tensor.WithBacking([]float64{0, 1, math.Copysign(0, -1), -2, 1e-310}))
	g := G.NewGraph()
	x := G.NodeFromAny(g, zero, G.WithName("x"))
	y, err := ReLU(x)
	if err != nil {
		t.Fatal(err)
	}
	dy := G.NodeFromAny(g, tensor.New(tensor.WithShape(5), tensor.WithBacking([]float64{3, 4, 5, 6, 7})), G.WithName("dy"))
	grads, err := G.Backpropagate(G.Nodes{y}, G.Nodes{dy}, G.Nodes{x})
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	if d := testValues(grads[0].Value().(*tensor.Dense)); d[0] != 0 || d[1] != 4 || d[2] != 0 || d[3] != 0 || d[4] != 7 {
		t.Errorf("relu gradient at (0, 1, -0, -2, 1e-310) with dy (3, 4, 5, 6, 7) = %v, want [0 4 0 0 7]", d)
	}
	if _, err := ReLU(nil); err == nil {
		t.Error("ReLU(nil): no error")
	}
}

// BenchmarkReLU compares ReLU with Gorgonia's Rectify, forward and
// backward at LeNet's first activation size (64x6x28x28, float32).
func BenchmarkReLU(b *testing.B) {
	for _, tc := range []struct {
		name string
		op   func(*G.Node) (*G.Node, error)
	}{{"op.ReLU", ReLU}, {"G.Rectify", G.Rectify}} {
		b.Run(tc.name, func(b *testing.B) {
			g := G.NewGraph()
			x := G.NodeFromAny(g, toF32(randTensor(rand.New(rand.NewSource(1)), 64, 6, 28, 28)), G.WithName("x"))
			y, err := tc.op(x)
			if err != nil {
				b.Fatal(err)
			}
			benchBackprop(b, g, y, x)
		})
	}
}
