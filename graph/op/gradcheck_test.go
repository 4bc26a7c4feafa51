package op

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gradTol is the tolerance of every finite-difference check in this
// package: max over elements of |analytic-numeric| / max(|analytic|,
// |numeric|, 1e-3), in float64 with central differences, step 1e-6.
const gradTol = 1e-5

// randTensor returns a float64 tensor of the given shape with entries
// uniform in [-1, 1).
func randTensor(rng *rand.Rand, shape ...int) *tensor.Dense {
	n := tensor.Shape(shape).TotalSize()
	d := make([]float64, n)
	for i := range d {
		d[i] = 2*rng.Float64() - 1
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
}

// checkGrad builds out = build(inputs) over float64 inputs, reduces it to
// the scalar cost sum(out ⊙ r) with a fixed random r (so that every output
// element gets a different upstream gradient), and compares the symbolic
// gradient of each input with wrt[i] set against central differences.
func checkGrad(t *testing.T, build func(in G.Nodes) (*G.Node, error), inputs []*tensor.Dense, wrt []bool) {
	t.Helper()
	if worst, where := gradErr(t, build, inputs, wrt); worst > gradTol {
		t.Errorf("gradient mismatch: %s (rel err %.3g > %g)", where, worst, gradTol)
	} else {
		t.Logf("max rel err %.3g", worst)
	}
}

// gradErr returns the worst relative error between the symbolic and the
// numeric gradient, and where it occurred.
func gradErr(t *testing.T, build func(in G.Nodes) (*G.Node, error), inputs []*tensor.Dense, wrt []bool) (float64, string) {
	t.Helper()
	g := G.NewGraph()
	nodes := inputNodes(g, inputs)
	out, err := build(nodes)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	size := out.Shape().TotalSize()
	if out.IsScalar() {
		size = 1
	}
	flat, err := G.Reshape(out, tensor.Shape{size})
	if err != nil {
		t.Fatalf("reshape: %v", err)
	}
	rng := rand.New(rand.NewSource(99))
	r := G.NodeFromAny(g, randTensor(rng, size), G.WithName("r"))
	prod, err := G.HadamardProd(flat, r)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := G.Sum(prod, 0)
	if err != nil {
		t.Fatal(err)
	}
	var diffNodes G.Nodes
	var idx []int
	for i, w := range wrt {
		if w {
			diffNodes = append(diffNodes, nodes[i])
			idx = append(idx, i)
		}
	}
	grads, err := G.Grad(cost, diffNodes...)
	if err != nil {
		t.Fatalf("grad: %v", err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	run := func() float64 {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatalf("run: %v", err)
		}
		return scalarOf(t, cost.Value())
	}
	run()
	analytic := make([][]float64, len(grads))
	for j, gn := range grads {
		analytic[j] = append([]float64(nil), gn.Value().Data().([]float64)...)
	}
	const h = 1e-6
	worst, where := 0.0, ""
	for j, i := range idx {
		data := inputs[i].Data().([]float64)
		for k := range data {
			orig := data[k]
			data[k] = orig + h
			plus := run()
			data[k] = orig - h
			minus := run()
			data[k] = orig
			num := (plus - minus) / (2 * h)
			a := analytic[j][k]
			e := math.Abs(a-num) / math.Max(math.Max(math.Abs(a), math.Abs(num)), 1e-3)
			if e > worst {
				worst = e
				where = fmt.Sprintf("input %d element %d: analytic %.9g numeric %.9g", i, k, a, num)
			}
		}
	}
	return worst, where
}

func scalarOf(t *testing.T, v G.Value) float64 {
	t.Helper()
	switch x := v.(type) {
	case *G.F64:
		return float64(*x)
	case *G.F32:
		return float64(*x)
	case *tensor.Dense:
		switch d := x.Data().(type) {
		case float64:
			return d
		case []float64:
			return d[0]
		case float32:
			return float64(d)
		case []float32:
			return float64(d[0])
		}
	}
	t.Fatalf("not a scalar: %T", v)
	return 0
}

// toF32 converts a float64 tensor to float32.
func toF32(x *tensor.Dense) *tensor.Dense {
	src := x.Data().([]float64)
	d := make([]float32, len(src))
	for i, v := range src {
		d[i] = float32(v)
	}
	return tensor.New(tensor.WithShape(x.Shape().Clone()...), tensor.WithBacking(d))
}

// forward runs build once over the given inputs and returns the output as
// float64 values.
func forward(t *testing.T, build func(in G.Nodes) (*G.Node, error), inputs ...*tensor.Dense) []float64 {
	t.Helper()
	g := G.NewGraph()
	nodes := inputNodes(g, inputs)
	out, err := build(nodes)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("run: %v", err)
	}
	return float64s(t, out.Value().Data())
}

// inputNodes adds the inputs to g as constants named a, b, c, ...
func inputNodes(g *G.ExprGraph, inputs []*tensor.Dense) G.Nodes {
	nodes := make(G.Nodes, len(inputs))
	for i, v := range inputs {
		nodes[i] = G.NodeFromAny(g, v, G.WithName(string(rune('a'+i))))
	}
	return nodes
}

// float64s copies a tensor's data (float32 or float64, slice or scalar)
// as float64 values.
func float64s(t *testing.T, data any) []float64 {
	t.Helper()
	switch d := data.(type) {
	case []float64:
		return append([]float64(nil), d...)
	case []float32:
		r := make([]float64, len(d))
		for i, v := range d {
			r[i] = float64(v)
		}
		return r
	case float64:
		return []float64{d}
	case float32:
		return []float64{float64(d)}
	}
	t.Fatalf("unexpected data %T", data)
	return nil
}

// requireClose requires got (float32 results) within tol of want (float64
// ones) relative to want's largest magnitude, a NaN failing; what names
// the values in the failure.
func requireClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	scale := 1e-12
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range want {
		if e := math.Abs(got[i]-want[i]) / scale; !(e <= tol) {
			t.Fatalf("%s element %d = %g, float64 %g (rel %g > %g)", what, i, got[i], want[i], e, tol)
		}
	}
}

// checkF32 runs build over the float64 inputs and over their float32
// copies and requires agreement within 1e-4 relative to the largest
// output magnitude.
func checkF32(t *testing.T, build func(in G.Nodes) (*G.Node, error), inputs ...*tensor.Dense) {
	t.Helper()
	want := forward(t, build, inputs...)
	in32 := make([]*tensor.Dense, len(inputs))
	for i, x := range inputs {
		in32[i] = toF32(x)
	}
	requireClose(t, "float32", forward(t, build, in32...), want, 1e-4)
}

// checkGradF32 computes the gradients of sum(out ⊙ r) with respect to
// every input in float64 and in float32 (the float32 kernels, assembly
// included, take their own paths) and requires agreement within 1e-4
// relative to each gradient's largest magnitude.
func checkGradF32(t *testing.T, build func(in G.Nodes) (*G.Node, error), inputs ...*tensor.Dense) {
	t.Helper()
	grads := func(in []*tensor.Dense) [][]float64 {
		g := G.NewGraph()
		nodes := inputNodes(g, in)
		out, err := build(nodes)
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		size := out.Shape().TotalSize()
		rt := randTensor(rand.New(rand.NewSource(99)), out.Shape()...)
		if out.Dtype() == tensor.Float32 {
			rt = toF32(rt)
		}
		r := G.NodeFromAny(g, rt, G.WithName("r"))
		prod := G.Must(G.HadamardProd(out, r))
		cost := G.Must(G.Sum(G.Must(G.Reshape(prod, tensor.Shape{size})), 0))
		gs, err := G.Grad(cost, nodes...)
		if err != nil {
			t.Fatalf("grad: %v", err)
		}
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatalf("run: %v", err)
		}
		res := make([][]float64, len(gs))
		for i, gn := range gs {
			res[i] = float64s(t, gn.Value().Data())
		}
		return res
	}
	in32 := make([]*tensor.Dense, len(inputs))
	for i, x := range inputs {
		in32[i] = toF32(x)
	}
	want, got := grads(inputs), grads(in32)
	for i := range want {
		requireClose(t, fmt.Sprintf("input %d: float32 gradient", i), got[i], want[i], 1e-4)
	}
}
