package op

import (
	"math/rand"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// runPlanned compiles g, plans its buffers (keeping out) and runs it
// once; it returns out's values and the plan.
func runPlanned(t *testing.T, g *G.ExprGraph, out *G.Node) ([]float64, PlanStats) {
	t.Helper()
	prog, loc, err := G.Compile(g)
	if err != nil {
		t.Fatal(err)
	}
	order, err := G.Sort(g)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	st, err := PlanBuffers(order, loc, G.Nodes{out})
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.WithPrecompiled(prog, loc))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return append([]float64(nil), out.Value().Data().([]float64)...), st
}

// TestPlanFollowsViews: a custom op's output read through a Gorgonia
// view (Reshape) after its last direct reader must not be given to a
// later value; nor the value a Gorgonia op may have written into
// (UsePreallocDo on its register's previous value).
func TestPlanFollowsViews(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	vec := func(g *G.ExprGraph, name string) *G.Node {
		return G.NodeFromAny(g, randTensor(rng, 4, 8), G.WithName(name))
	}
	must := func(n *G.Node, err error) *G.Node {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	build := func() (*G.ExprGraph, *G.Node) {
		g := G.NewGraph()
		x, y, z := vec(g, "x"), vec(g, "y"), vec(g, "z")
		a := must(ReLU(x))
		r := must(G.Reshape(a, tensor.Shape{8, 4})) // a view of a
		s := must(G.Sum(must(G.Reshape(r, tensor.Shape{32}))))
		b := must(ReLU(must(G.Mul(y, s)))) // after the views, while r lives
		d := must(G.Add(must(ReLU(z)), y)) // may write into ReLU(z)'s buffer
		e := must(ReLU(must(G.Mul(z, s))))
		f := must(Add(must(G.Reshape(b, tensor.Shape{8, 4})), r))
		h := must(Add(must(Add(f, must(G.Reshape(d, tensor.Shape{8, 4})))), must(G.Reshape(e, tensor.Shape{8, 4}))))
		return g, must(ReLU(must(ReLU(h)))) // once the rest is dead: shared

	}
	// The same graph without a plan.
	g, out := build()
	vm := G.NewTapeMachine(g)
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	want := append([]float64(nil), out.Value().Data().([]float64)...)
	vm.Close()
	rng = rand.New(rand.NewSource(1))
	g, out = build()
	got, st := runPlanned(t, g, out)
	if st.Slab >= st.Bytes {
		t.Errorf("plan %+v shares nothing", st)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: %v with the plan, %v without", i, got[i], want[i])
		}
	}
}

// TestPlanKeepOutsideProgram: a kept node the program does not run is an
// error naming it, not a plan that forgets it.
func TestPlanKeepOutsideProgram(t *testing.T) {
	g := G.NewGraph()
	x := G.NodeFromAny(g, randTensor(rand.New(rand.NewSource(1)), 2, 3), G.WithName("x"))
	y, err := ReLU(x)
	if err != nil {
		t.Fatal(err)
	}
	other := G.NodeFromAny(G.NewGraph(), randTensor(rand.New(rand.NewSource(2)), 2, 3), G.WithName("elsewhere"))
	_, err = PlanBuffers(G.Nodes{x, y}, map[*G.Node]int{x: 0, y: 1}, G.Nodes{other})
	if err == nil || !strings.Contains(err.Error(), "elsewhere") {
		t.Errorf("err = %v, want one naming the kept node", err)
	}
}
