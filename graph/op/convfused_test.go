package op

import (
	"fmt"
	"math"
	"math/rand"
	"regexp"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// fuseCase is one convolution with its optional bias, batch norm and ReLU.
type fuseCase struct {
	xs, ws                   []int
	p                        ConvParams
	bias, bn, residual, relu bool
}

// fuseData are the float64 values of a fuseCase: x, w, bias, gamma,
// beta, running mean and var (positive), and a residual of the output's
// shape.
type fuseData struct{ x, w, b, gamma, beta, mean, vr, res []float64 }

func newFuseData(rng *rand.Rand, c fuseCase) fuseData {
	r := func(n int, lo, hi float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = lo + (hi-lo)*rng.Float64()
		}
		return v
	}
	o := c.ws[0]
	return fuseData{x: r(tensor.Shape(c.xs).TotalSize(), -1, 1), w: r(tensor.Shape(c.ws).TotalSize(), -1, 1),
		b: r(o, -1, 1), gamma: r(o, -2, 2), beta: r(o, -1, 1), mean: r(o, -1, 1), vr: r(o, 0.05, 3),
		res: r(tensor.Shape(c.outShape()).TotalSize(), -2, 2)}
}

func (c fuseCase) outShape() []int {
	g := newConvGeom(c.xs[1], c.xs[2], c.xs[3], c.ws[0], c.ws[2], c.ws[3], c.p)
	return []int{c.xs[0], g.outC, g.oh, g.ow}
}

// want is the definition: the naive convolution, then
// (z-mean)/sqrt(var+eps)*gamma+beta, plus the residual, then max(·, 0).
func (d fuseData) want(c fuseCase, eps float64) []float64 {
	var b []float64
	if c.bias {
		b = d.b
	}
	y, s := naiveConv(d.x, d.w, b, c.xs, c.ws, c.p)
	hw := s[2] * s[3]
	for i := range y {
		o := i / hw % s[1]
		if c.bn {
			y[i] = (y[i]-d.mean[o])/math.Sqrt(d.vr[o]+eps)*d.gamma[o] + d.beta[o]
		}
		if c.residual {
			y[i] += d.res[i]
		}
		if c.relu {
			y[i] = max(y[i], 0)
		}
	}
	return y
}

// fuseGraph holds, in one graph, the fused node and the chain of
// separate ops it replaces, over the same tensors.
type fuseGraph struct {
	fused, chain *G.Node
	gamma, beta  *tensor.Dense
	stats        RunningStats
	vm           G.VM
}

func newFuseGraph(t *testing.T, dt tensor.Dtype, c fuseCase, d fuseData, eps float64) *fuseGraph {
	t.Helper()
	g := G.NewGraph()
	o := c.ws[0]
	node := func(name string, v []float64, shape ...int) *G.Node {
		return G.NodeFromAny(g, testFill(dt, v, shape...), G.WithName(name))
	}
	x, w := node("x", d.x, c.xs...), node("w", d.w, c.ws...)
	var b *G.Node
	if c.bias {
		b = node("b", d.b, o)
	}
	f := &fuseGraph{stats: RunningStats{Mean: testFill(dt, d.mean, o), Var: testFill(dt, d.vr, o)}}
	gamma, beta := node("gamma", d.gamma, o), node("beta", d.beta, o)
	f.gamma, f.beta = gamma.Value().(*tensor.Dense), beta.Value().(*tensor.Dense)
	must := func(n *G.Node, err error) *G.Node {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The chain reads its own convolution node: the fused one is built
	// from another, so both stay in the graph and both run.
	conv := must(Conv2d(x, w, b, c.p))
	f.chain = must(Conv2d(x, w, b, c.p))
	var fold *BNFold
	if c.bn {
		fold = &BNFold{Gamma: gamma, Beta: beta, Stats: f.stats, Eps: eps}
		f.chain = must(BatchNorm(f.chain, gamma, beta, f.stats, BNParams{Eps: eps}))
	}
	var res *G.Node
	if c.residual {
		res = node("res", d.res, c.outShape()...)
		f.chain = must(Add(f.chain, res))
	}
	if c.relu {
		f.chain = must(ReLU(f.chain))
	}
	f.fused = must(FuseConv(conv, Fusion{BN: fold, Residual: res, ReLU: c.relu}))
	f.vm = G.NewTapeMachine(g)
	t.Cleanup(func() { f.vm.Close() })
	return f
}

func (f *fuseGraph) run(t *testing.T) (fused, chain []float64) {
	t.Helper()
	f.vm.Reset()
	if err := f.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return testValues(f.fused.Value().(*tensor.Dense)), testValues(f.chain.Value().(*tensor.Dense))
}

var fuseCases = []fuseCase{
	{xs: []int{2, 3, 6, 6}, ws: []int{4, 3, 3, 3}, p: ConvParams{PadH: 1, PadW: 1}, bn: true, relu: true},
	{xs: []int{2, 3, 6, 6}, ws: []int{4, 3, 3, 3}, p: ConvParams{PadH: 1, PadW: 1}, bias: true, bn: true, relu: true},
	{xs: []int{1, 5, 9, 7}, ws: []int{6, 5, 3, 3}, p: ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, bn: true},
	{xs: []int{3, 4, 5, 5}, ws: []int{7, 4, 1, 1}, bias: true, bn: true},
	{xs: []int{2, 3, 7, 7}, ws: []int{5, 3, 5, 5}, p: ConvParams{PadH: 2, PadW: 2}, bias: true, relu: true},
	{xs: []int{1, 2, 8, 8}, ws: []int{3, 2, 3, 3}, p: ConvParams{DilationH: 2, DilationW: 2}, relu: true},
	{xs: []int{2, 4, 6, 6}, ws: []int{4, 4, 3, 3}, p: ConvParams{PadH: 1, PadW: 1}, bn: true, residual: true, relu: true},
	{xs: []int{2, 4, 6, 6}, ws: []int{8, 4, 1, 1}, p: ConvParams{StrideH: 2, StrideW: 2}, bn: true, residual: true},
	{xs: []int{1, 3, 5, 5}, ws: []int{2, 3, 3, 3}, p: ConvParams{PadH: 1, PadW: 1}, bias: true, residual: true, relu: true},
}

// TestFuseConv compares combinations of bias, batch norm, residual and ReLU
// with the definition and with the separate ops it replaces, in float64
// and float32, serially and split over the worker pool; then changes
// the statistics, gamma and beta in place and checks that the next run
// uses the new values.
func TestFuseConv(t *testing.T) {
	defer func(s int) { splitWork = s }(splitWork)
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for _, split := range []int{splitWork, 1} {
			for i, c := range fuseCases {
				t.Run(fmt.Sprintf("%v/split=%d/%d", dt, split, i), func(t *testing.T) {
					splitWork = split
					testFuseCase(t, dt, c)
				})
			}
		}
	}
}

func testFuseCase(t *testing.T, dt tensor.Dtype, c fuseCase) {
	rng := rand.New(rand.NewSource(7))
	d := newFuseData(rng, c)
	const eps = 1e-3
	tol, chainTol := 1e-12, 1e-14
	if dt == tensor.Float32 {
		tol, chainTol = 1e-5, 1e-6
	}
	if !c.bias {
		// The same operations in the same order as the separate ops.
		chainTol = 0
	}
	f := newFuseGraph(t, dt, c, d, eps)
	for step := range 2 {
		fused, chain := f.run(t)
		want := d.want(c, eps)
		if _, e := convErr(fused, want); !(e <= tol) {
			t.Fatalf("step %d: fused vs definition: rel %g > %g", step, e, tol)
		}
		if _, e := convErr(fused, chain); !(e <= chainTol) {
			t.Fatalf("step %d: fused vs separate ops: rel %g > %g", step, e, chainTol)
		}
		if c.relu && !hasZero(fused) {
			t.Fatalf("step %d: no output clipped by the ReLU: the case does not test it", step)
		}
		// What an optimizer step or a weights load does between runs.
		for _, v := range [][]float64{d.gamma, d.beta, d.mean, d.vr} {
			for j := range v {
				v[j] = v[j]*1.5 + 0.25
			}
		}
		for _, p := range []struct {
			t *tensor.Dense
			v []float64
		}{{f.gamma, d.gamma}, {f.beta, d.beta}, {f.stats.Mean, d.mean}, {f.stats.Var, d.vr}} {
			testSet(p.t, p.v)
		}
	}
}

func hasZero(v []float64) bool {
	for _, x := range v {
		if x == 0 {
			return true
		}
	}
	return false
}

// TestFuseConvChain checks that a ReLU added to a fused convolution and
// batch norm is the one-step fusion of both.
func TestFuseConvChain(t *testing.T) {
	c := fuseCases[1]
	d := newFuseData(rand.New(rand.NewSource(3)), c)
	g := G.NewGraph()
	node := func(name string, v []float64, shape ...int) *G.Node {
		return G.NodeFromAny(g, testFill(tensor.Float64, v, shape...), G.WithName(name))
	}
	x, w, b := node("x", d.x, c.xs...), node("w", d.w, c.ws...), node("b", d.b, c.ws[0])
	conv, err := Conv2d(x, w, b, c.p)
	if err != nil {
		t.Fatal(err)
	}
	fold := &BNFold{Gamma: node("g", d.gamma, c.ws[0]), Beta: node("be", d.beta, c.ws[0]),
		Stats: RunningStats{Mean: testFill(tensor.Float64, d.mean, c.ws[0]), Var: testFill(tensor.Float64, d.vr, c.ws[0])}, Eps: 1e-5}
	bn, err := FuseConv(conv, Fusion{BN: fold})
	if err != nil {
		t.Fatal(err)
	}
	if CanFuse(bn, Fusion{BN: fold}) || !CanFuse(bn, Fusion{ReLU: true}) {
		t.Fatalf("CanFuse(conv+bn): another batch norm %v, a ReLU %v; want false, true", CanFuse(bn, Fusion{BN: fold}), CanFuse(bn, Fusion{ReLU: true}))
	}
	relu, err := FuseConv(bn, Fusion{ReLU: true})
	if err != nil {
		t.Fatal(err)
	}
	if CanFuse(relu, Fusion{ReLU: true}) {
		t.Fatal("CanFuse(conv+bn+relu) = true")
	}
	if s := relu.Op().String(); !regexp.MustCompile(`^Fused\(Conv2d\(.*,bias=false\)\+bias\+bn\(eval,eps=1e-05\)#\d+\+relu\)$`).MatchString(s) {
		t.Fatalf("op name %q", s)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	want := d.want(fuseCase{xs: c.xs, ws: c.ws, p: c.p, bias: true, bn: true, relu: true}, 1e-5)
	if _, e := convErr(testValues(relu.Value().(*tensor.Dense)), want); !(e <= 1e-12) {
		t.Fatalf("conv+bn then +relu vs definition: rel %g", e)
	}
}

func TestFuseConvErrors(t *testing.T) {
	g := G.NewGraph()
	f64 := func(name string, shape ...int) *G.Node {
		return G.NodeFromAny(g, tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float64)), G.WithName(name))
	}
	x, w := f64("x", 1, 2, 5, 5), f64("w", 3, 2, 3, 3)
	conv, err := Conv2d(x, w, nil, ConvParams{})
	if err != nil {
		t.Fatal(err)
	}
	relu, err := ReLU(conv)
	if err != nil {
		t.Fatal(err)
	}
	stats := func(dt tensor.Dtype, c int) RunningStats {
		return RunningStats{Mean: tensor.New(tensor.WithShape(c), tensor.Of(dt)), Var: tensor.New(tensor.WithShape(c), tensor.Of(dt))}
	}
	gamma, beta := f64("gamma", 3), f64("beta", 3)
	fusedReLU, err := FuseConv(conv, Fusion{ReLU: true})
	if err != nil {
		t.Fatal(err)
	}
	bn := func(g, b *G.Node, st RunningStats, eps float64) Fusion {
		return Fusion{BN: &BNFold{Gamma: g, Beta: b, Stats: st, Eps: eps}}
	}
	for _, c := range []struct {
		y    *G.Node
		f    Fusion
		want string
	}{
		{nil, Fusion{ReLU: true}, "nil convolution output"},
		{conv, Fusion{}, "nothing to add"},
		{relu, Fusion{ReLU: true}, "is not the output of Conv2d"},
		{x, Fusion{ReLU: true}, "is not the output of Conv2d"},
		{fusedReLU, Fusion{ReLU: true}, "nothing that comes after a ReLU"},
		{fusedReLU, Fusion{Residual: f64("r", 1, 3, 3, 3)}, "nothing that comes after a residual"},
		{conv, Fusion{Residual: f64("r2", 1, 3, 3, 2)}, "residual (1, 3, 3, 2) for output (1, 3, 3, 3)"},
		{conv, bn(gamma, nil, stats(tensor.Float64, 3), 0), "nil batch norm gamma or beta"},
		{conv, bn(gamma, beta, stats(tensor.Float64, 3), -1), "eps -1"},
		{conv, bn(gamma, beta, stats(tensor.Float64, 4), 0), "running mean has shape (4)"},
		{conv, bn(gamma, beta, stats(tensor.Float32, 3), 0), "of float32, want (3) of float64"},
		{conv, bn(gamma, beta, RunningStats{Mean: stats(tensor.Float64, 3).Mean}, 0), "nil running var"},
		{conv, bn(f64("g4", 4), beta, stats(tensor.Float64, 3), 0), "gamma (4) for w (3, 2, 3, 3), want (3)"},
	} {
		y, err := FuseConv(c.y, c.f)
		if err == nil || y != nil {
			t.Errorf("%s: no error", c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %q does not contain %q", err, c.want)
		}
	}
	// The fused op is for evaluation graphs: asking for its gradient is
	// an error, not a panic.
	s, err := G.Sum(fusedReLU)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(s, w); err == nil {
		t.Error("gradient through a fused convolution: no error")
	}
}
