package op

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bnStats returns running statistics of c channels in dtype dt, the mean
// filled with m and the variance with v.
func bnStats(dt tensor.Dtype, c int, m, v float64) RunningStats {
	return RunningStats{Mean: testFill(dt, []float64{m}, c), Var: testFill(dt, []float64{v}, c)}
}

// testFill returns a (shape) tensor of dtype dt holding vals, repeated.
func testFill(dt tensor.Dtype, vals []float64, shape ...int) *tensor.Dense {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(dt))
	testSet(t, vals)
	return t
}

// testSet overwrites t's elements with vals (repeated).
func testSet(t *tensor.Dense, vals []float64) {
	switch d := t.Data().(type) {
	case []float64:
		for i := range d {
			d[i] = vals[i%len(vals)]
		}
	case []float32:
		for i := range d {
			d[i] = float32(vals[i%len(vals)])
		}
	}
}

// testValues returns t's elements as float64.
func testValues(t *tensor.Dense) []float64 {
	switch d := t.Data().(type) {
	case []float64:
		return append([]float64(nil), d...)
	case []float32:
		r := make([]float64, len(d))
		for i, v := range d {
			r[i] = float64(v)
		}
		return r
	}
	return nil
}

func bnBuild(p BNParams, m, v float64) func(in G.Nodes) (*G.Node, error) {
	return func(in G.Nodes) (*G.Node, error) {
		return BatchNorm(in[0], in[1], in[2], bnStats(in[0].Dtype(), in[0].Shape()[1], m, v), p)
	}
}

type bnGolden struct {
	Shape                   []int
	Momentum, Eps           float64
	X1, X2, Xe, Gamma, Beta []float64
	Rm0, Rv0                []float64
	Out1, Rm1, Rv1          []float64
	Out2, Rm2, Rv2, Oute    []float64
}

// bnGraph is BatchNorm over a bound input x, with its own machine.
type bnGraph struct {
	x, y *G.Node
	vm   G.VM
}

func newBNGraph(t *testing.T, dt tensor.Dtype, shape []int, gamma, beta []float64, st RunningStats, p BNParams) *bnGraph {
	t.Helper()
	g := G.NewGraph()
	c := shape[1]
	x := G.NodeFromAny(g, testFill(dt, []float64{0}, shape...), G.WithName("x"))
	gn := G.NodeFromAny(g, testFill(dt, gamma, c), G.WithName("gamma"))
	bn := G.NodeFromAny(g, testFill(dt, beta, c), G.WithName("beta"))
	y, err := BatchNorm(x, gn, bn, st, p)
	if err != nil {
		t.Fatal(err)
	}
	return &bnGraph{x: x, y: y, vm: G.NewTapeMachine(g)}
}

func (b *bnGraph) run(t *testing.T, x []float64) []float64 {
	t.Helper()
	testSet(b.x.Value().(*tensor.Dense), x)
	b.vm.Reset()
	if err := b.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return testValues(b.y.Value().(*tensor.Dense))
}

// testNear requires got within tol of want, relative to max(1, |want|).
func testNear(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %.9g, want %.9g", what, i, got[i], want[i])
		}
	}
}

// TestBatchNormGolden checks two training steps (output and running
// statistics) and an evaluation step against PyTorch's F.batch_norm. The
// evaluation graph is built over the very tensors the training graph
// updated: it sees the update with no copy.
func TestBatchNormGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/bn_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Cases []bnGolden }
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := 1e-9
		if dt == tensor.Float32 {
			tol = 2e-5
		}
		for _, c := range file.Cases {
			name := fmt.Sprintf("%s/%s/m%g", dt, strings.ReplaceAll(strings.Trim(fmt.Sprint(c.Shape), "[]"), " ", "x"), c.Momentum)
			t.Run(name, func(t *testing.T) {
				ch := c.Shape[1]
				st := RunningStats{Mean: testFill(dt, c.Rm0, ch), Var: testFill(dt, c.Rv0, ch)}
				train := newBNGraph(t, dt, c.Shape, c.Gamma, c.Beta, st, BNParams{Eps: c.Eps, Momentum: c.Momentum, Training: true})
				defer train.vm.Close()
				testNear(t, "step 1 output", train.run(t, c.X1), c.Out1, tol)
				testNear(t, "step 1 running mean", testValues(st.Mean), c.Rm1, tol)
				testNear(t, "step 1 running var", testValues(st.Var), c.Rv1, tol)
				testNear(t, "step 2 output", train.run(t, c.X2), c.Out2, tol)
				testNear(t, "step 2 running mean", testValues(st.Mean), c.Rm2, tol)
				testNear(t, "step 2 running var", testValues(st.Var), c.Rv2, tol)
				rm2, rv2 := testValues(st.Mean), testValues(st.Var)
				eval := newBNGraph(t, dt, c.Shape, c.Gamma, c.Beta, st, BNParams{Eps: c.Eps, Momentum: c.Momentum})
				defer eval.vm.Close()
				testNear(t, "eval output", eval.run(t, c.Xe), c.Oute, tol)
				testNear(t, "running mean after eval", testValues(st.Mean), rm2, 0)
				testNear(t, "running var after eval", testValues(st.Var), rv2, 0)
			})
		}
	}
}

// TestBatchNormStatsOutliveMachines: a new machine over the same graph
// does not reset the statistics, evaluation never writes them, and a
// training step in one graph is seen by an evaluation graph at once.
func TestBatchNormStatsOutliveMachines(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	shape := []int{4, 2, 3, 3}
	st := bnStats(tensor.Float64, 2, 0, 1)
	gamma, beta := []float64{1.5, 0.5}, []float64{0.1, -0.2}
	train := newBNGraph(t, tensor.Float64, shape, gamma, beta, st, BNParams{Eps: 1e-5, Momentum: 0.1, Training: true})
	eval := newBNGraph(t, tensor.Float64, shape, gamma, beta, st, BNParams{Eps: 1e-5, Momentum: 0.1})
	defer eval.vm.Close()
	x := testValues(randTensor(rng, shape...))
	xe := testValues(randTensor(rng, shape...))
	for range 3 {
		train.run(t, x)
	}
	mean, vr := testValues(st.Mean), testValues(st.Var)
	if mean[0] == 0 || vr[0] == 1 {
		t.Fatalf("training did not update the statistics: %v %v", mean, vr)
	}
	train.vm.Close()
	train.vm = G.NewTapeMachine(train.x.Graph())
	defer train.vm.Close()
	testNear(t, "mean after new machine", testValues(st.Mean), mean, 0)
	testNear(t, "var after new machine", testValues(st.Var), vr, 0)

	before := eval.run(t, xe)
	testNear(t, "mean after eval", testValues(st.Mean), mean, 0)
	testNear(t, "var after eval", testValues(st.Var), vr, 0)
	train.run(t, x) // the fourth step, on the new machine
	if m := testValues(st.Mean); m[0] == mean[0] {
		t.Fatalf("the new training machine did not update the statistics")
	}
	after := eval.run(t, xe)
	if after[0] == before[0] {
		t.Fatalf("the evaluation graph did not see the training update")
	}
	// Evaluation must equal the formula over the current statistics.
	m, v := testValues(st.Mean), testValues(st.Var)
	hw := 9
	for i, got := range after {
		c := (i / hw) % 2
		want := (xe[i]-m[c])/math.Sqrt(v[c]+1e-5)*gamma[c] + beta[c]
		if math.Abs(got-want) > 1e-12 {
			t.Fatalf("eval output %d = %g, want %g", i, got, want)
		}
	}
}

func TestBatchNormErrors(t *testing.T) {
	g := G.NewGraph()
	f64 := tensor.Float64
	node := func(name string, shape ...int) *G.Node {
		return G.NewTensor(g, f64, len(shape), G.WithShape(shape...), G.WithName(name))
	}
	x4, x3, x2 := node("x4", 2, 3, 4, 4), node("x3", 2, 3, 4), node("x2", 1, 3)
	g3, g4, g13 := node("g3", 3), node("g4", 4), node("g13", 1, 3)
	ok := bnStats(f64, 3, 0, 1)
	train := BNParams{Eps: 1e-5, Momentum: 0.1, Training: true}
	for _, tc := range []struct {
		name      string
		x, gm, bt *G.Node
		st        RunningStats
		p         BNParams
		want      []string
	}{
		{"gamma length", x4, g4, g3, ok, train, []string{"BatchNorm", "(4)", "(2, 3, 4, 4)"}},
		{"gamma 2-D", x4, g13, g3, ok, train, []string{"BatchNorm", "(1, 3)"}},
		{"beta length", x4, g3, g4, ok, train, []string{"BatchNorm", "beta (4)"}},
		{"x 3-D", x3, g3, g3, ok, train, []string{"BatchNorm", "(2, 3, 4)"}},
		{"stats size", x4, g3, g3, bnStats(f64, 4, 0, 1), train, []string{"BatchNorm", "running mean", "(4)", "(2, 3, 4, 4)"}},
		{"stats dtype", x4, g3, g3, bnStats(tensor.Float32, 3, 0, 1), train, []string{"BatchNorm", "float32"}},
		{"stats nil", x4, g3, g3, RunningStats{Mean: ok.Mean}, train, []string{"BatchNorm", "nil running var"}},
		{"one value per channel", x2, g3, g3, ok, train, []string{"BatchNorm", "(1, 3)"}},
		{"momentum", x4, g3, g3, ok, BNParams{Eps: 1e-5, Momentum: 2}, []string{"BatchNorm", "momentum 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := BatchNorm(tc.x, tc.gm, tc.bt, tc.st, tc.p)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	// Evaluation with one value per channel is fine.
	if _, err := BatchNorm(x2, g3, g3, ok, BNParams{Eps: 1e-5}); err != nil {
		t.Errorf("eval on (1,3): %v", err)
	}
}
