package op

import (
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestConcat: the output equals Gorgonia's Concat on axis 1, the
// gradient of every input (and of a subset, the others being constants
// whose slice is skipped) matches finite differences, float32 agrees with
// float64, and bad inputs are errors.
func TestConcat(t *testing.T) {
	rng := rand.New(rand.NewSource(43))
	build := func(in G.Nodes) (*G.Node, error) { return Concat(in...) }
	gorgonia := func(in G.Nodes) (*G.Node, error) { return G.Concat(1, in...) }
	for _, shapes := range [][][]int{
		{{2, 1, 3, 2}, {2, 3, 3, 2}, {2, 2, 3, 2}},
		{{3, 2, 5}, {3, 4, 5}},
		{{2, 3}, {2, 1}, {2, 2}, {2, 1}},
	} {
		in := make([]*tensor.Dense, len(shapes))
		all := make([]bool, len(shapes))
		some := make([]bool, len(shapes))
		for i, s := range shapes {
			in[i], all[i], some[i] = randTensor(rng, s...), true, i == 1
		}
		got, want := forward(t, build, in...), forward(t, gorgonia, in...)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("shapes %v: out[%d] = %g, Gorgonia's Concat %g", shapes, i, got[i], want[i])
			}
		}
		checkGrad(t, build, in, all)
		checkGrad(t, build, in, some)
		checkF32(t, build, in...)
	}
	g := G.NewGraph()
	a := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 4, 4), G.WithName("a"))
	b := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 4, 5), G.WithName("b"))
	c := G.NewTensor(g, tensor.Float32, 4, G.WithShape(2, 3, 4, 4), G.WithName("c"))
	v := G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("v"))
	for _, in := range []G.Nodes{{}, {a, b}, {a, c}, {a, nil}, {v, v}} {
		if _, err := Concat(in...); err == nil {
			t.Errorf("Concat(%v): no error", in)
		}
	}
}

// TestConcatSteps: over several runs of one machine, with the output
// buffer reused, the cost and the gradient of x follow x's new values
// (and the constant zeros' gradient is skipped).
func TestConcatSteps(t *testing.T) {
	g := G.NewGraph()
	xv := tensor.New(tensor.WithShape(2, 1, 2), tensor.WithBacking([]float64{1, 2, 3, 4}))
	x := G.NodeFromAny(g, xv, G.WithName("x"))
	zeros := G.NodeFromAny(g, tensor.New(tensor.WithShape(2, 2, 2), tensor.Of(tensor.Float64)), G.WithName("z"))
	y, err := Concat(zeros, x)
	if err != nil {
		t.Fatal(err)
	}
	sq, err := G.Square(y)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := G.Sum(sq)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(cost, x); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	for run := range 3 {
		d := xv.Data().([]float64)
		for i := range d {
			d[i] = float64(run*10 + i)
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		// (y's own buffer may hold a gradient by now: Gorgonia's
		// backward ops write in place.)
		want := 0.0
		for _, v := range d {
			want += v * v
		}
		if got := scalarOf(t, cost.Value()); got != want {
			t.Fatalf("run %d: cost %g, want %g", run, got, want)
		}
		dx, err := x.Grad()
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range dx.Data().([]float64) {
			if v != 2*d[i] {
				t.Fatalf("run %d: dx[%d] = %g, want %g", run, i, v, 2*d[i])
			}
		}
		vm.Reset()
	}
}
