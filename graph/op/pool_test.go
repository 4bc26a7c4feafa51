package op

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Helpers shared by the pooling and LRN tests (prefixed pool to keep clear
// of the other op tests in this package).

// poolTensor returns a tensor of dtype dt and the given shape holding vals.
func poolTensor(dt tensor.Dtype, vals []float64, shape ...int) *tensor.Dense {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(dt))
	switch d := t.Data().(type) {
	case []float64:
		copy(d, vals)
	case []float32:
		for i := range d {
			d[i] = float32(vals[i])
		}
	}
	return t
}

// poolValues returns v's elements as float64.
func poolValues(t *testing.T, v G.Value) []float64 {
	t.Helper()
	switch d := v.Data().(type) {
	case []float64:
		return append([]float64(nil), d...)
	case []float32:
		r := make([]float64, len(d))
		for i, x := range d {
			r[i] = float64(x)
		}
		return r
	}
	t.Fatalf("unexpected value data %T", v.Data())
	return nil
}

func poolNear(t *testing.T, what string, got, want []float64, tol float64) {
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

// runBackprop builds y = build(x) over x of dtype dt, backpropagates the
// upstream gradient dy and returns y's shape, y and dL/dx. It runs the
// machine twice, to check that reused buffers are fully overwritten.
func runBackprop(t *testing.T, dt tensor.Dtype, build func(*G.Node) (*G.Node, error),
	shape []int, x, dy []float64) (tensor.Shape, []float64, []float64) {
	t.Helper()
	g := G.NewGraph()
	xn := G.NodeFromAny(g, poolTensor(dt, x, shape...), G.WithName("x"))
	y, err := build(xn)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	dyn := G.NodeFromAny(g, poolTensor(dt, dy, y.Shape()...), G.WithName("dy"))
	grads, err := G.Backpropagate(G.Nodes{y}, G.Nodes{dyn}, G.Nodes{xn})
	if err != nil {
		t.Fatalf("backprop: %v", err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	for range 2 {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatalf("run: %v", err)
		}
	}
	return y.Shape().Clone(), poolValues(t, y.Value()), poolValues(t, grads[0].Value())
}

// golden is one PyTorch result: output and input gradient for dy.
type golden struct {
	OutShape []int     `json:"out_shape"`
	Out      []float64 `json:"out"`
	Dy       []float64 `json:"dy"`
	Dx       []float64 `json:"dx"`
}

// checkGolden compares build's forward and backward with g, in float64
// and float32.
func checkGolden(t *testing.T, build func(*G.Node) (*G.Node, error), shape []int, x []float64, g golden) {
	t.Helper()
	for _, c := range []struct {
		dt  tensor.Dtype
		tol float64
	}{{tensor.Float64, 1e-10}, {tensor.Float32, 1e-5}} {
		s, out, dx := runBackprop(t, c.dt, build, shape, x, g.Dy)
		if !s.Eq(tensor.Shape(g.OutShape)) {
			t.Fatalf("%v: output shape %v, PyTorch %v", c.dt, s, g.OutShape)
		}
		poolNear(t, c.dt.String()+" out", out, g.Out, c.tol)
		poolNear(t, c.dt.String()+" dx", dx, g.Dx, c.tol)
	}
}

// poolCase is one pooling case of pool_golden.json.
type poolCase struct {
	Shape, K, S, P []int
	Ceil           bool
	X              []float64
	Max            golden `json:"max"`
	Avg            golden `json:"avg"`
	AvgExclude     golden `json:"avg_exclude"`
}

func (c poolCase) params(excludePad bool) PoolParams {
	return PoolParams{KH: c.K[0], KW: c.K[1], SH: c.S[0], SW: c.S[1], PH: c.P[0], PW: c.P[1],
		CeilMode: c.Ceil, ExcludePad: excludePad}
}

// loadPoolGolden reads testdata/pool_golden.json (gen_pool_golden.py).
func loadPoolGolden(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile("testdata/pool_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func decode(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

// TestPoolOutputShapes checks MaxPool2d's and AvgPool2d's output shapes
// against PyTorch's (golden file) and against GoogLeNet's known chain.
func TestPoolOutputShapes(t *testing.T) {
	var cases []struct {
		H, W, K, S, P, OH, OW int
		Ceil                  bool
	}
	decode(t, loadPoolGolden(t)["shapes"], &cases)
	// GoogLeNet: maxpool 3x3 stride 2 ceil_mode, 112 -> 56 -> 28 -> 14 -> 7.
	for _, h := range []int{112, 56, 28, 14} {
		cases = append(cases, struct {
			H, W, K, S, P, OH, OW int
			Ceil                  bool
		}{h, h, 3, 2, 0, h / 2, h / 2, true})
	}
	for _, c := range cases {
		p := PoolParams{KH: c.K, KW: c.K, SH: c.S, SW: c.S, PH: c.P, PW: c.P, CeilMode: c.Ceil}
		for name, f := range map[string]func(*G.Node, PoolParams) (*G.Node, error){"max": MaxPool2d, "avg": AvgPool2d} {
			g := G.NewGraph()
			x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(1, 2, c.H, c.W), G.WithName("x"))
			y, err := f(x, p)
			if err != nil {
				t.Fatalf("%s %v over %dx%d: %v", name, p, c.H, c.W, err)
			}
			if want := (tensor.Shape{1, 2, c.OH, c.OW}); !y.Shape().Eq(want) {
				t.Errorf("%s %v over %dx%d: shape %v, want %v", name, p, c.H, c.W, y.Shape(), want)
			}
		}
	}
}

// TestPoolErrors: bad inputs are errors naming the op and the shape.
func TestPoolErrors(t *testing.T) {
	g := G.NewGraph()
	x3 := G.NewTensor(g, tensor.Float64, 3, G.WithShape(2, 4, 4), G.WithName("x3"))
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(1, 2, 4, 5), G.WithName("x"))
	k2 := PoolParams{KH: 2, KW: 2}
	cases := []struct {
		name, op string
		build    func() (*G.Node, error)
	}{
		{"max 3-D", "MaxPool2d", func() (*G.Node, error) { return MaxPool2d(x3, k2) }},
		{"avg 3-D", "AvgPool2d", func() (*G.Node, error) { return AvgPool2d(x3, k2) }},
		{"adaptive 3-D", "AdaptiveAvgPool2d", func() (*G.Node, error) { return AdaptiveAvgPool2d(x3, 1, 1) }},
		{"lrn 3-D", "LRN", func() (*G.Node, error) { return LRN(x3, 5, 1e-4, 0.75, 2) }},
		{"max nil", "MaxPool2d", func() (*G.Node, error) { return MaxPool2d(nil, k2) }},
		{"max kernel too big", "MaxPool2d", func() (*G.Node, error) { return MaxPool2d(x, PoolParams{KH: 3, KW: 6}) }},
		{"avg kernel too big", "AvgPool2d", func() (*G.Node, error) { return AvgPool2d(x, PoolParams{KH: 7, KW: 2, PH: 1}) }},
		{"max pad > k/2", "MaxPool2d", func() (*G.Node, error) { return MaxPool2d(x, PoolParams{KH: 3, KW: 3, PH: 2}) }},
		{"avg pad > k/2", "AvgPool2d", func() (*G.Node, error) { return AvgPool2d(x, PoolParams{KH: 2, KW: 2, PW: 2}) }},
		{"max zero kernel", "MaxPool2d", func() (*G.Node, error) { return MaxPool2d(x, PoolParams{}) }},
		{"max negative stride", "MaxPool2d", func() (*G.Node, error) { return MaxPool2d(x, PoolParams{KH: 2, KW: 2, SH: -1}) }},
		{"adaptive zero", "AdaptiveAvgPool2d", func() (*G.Node, error) { return AdaptiveAvgPool2d(x, 0, 2) }},
		{"lrn size 0", "LRN", func() (*G.Node, error) { return LRN(x, 0, 1e-4, 0.75, 2) }},
		{"lrn NaN", "LRN", func() (*G.Node, error) { return LRN(x, 5, math.NaN(), 0.75, 2) }},
	}
	for _, c := range cases {
		y, err := c.build()
		if err == nil {
			t.Errorf("%s: no error (output %v)", c.name, y.Shape())
			continue
		}
		if !strings.Contains(err.Error(), c.op) || (!strings.Contains(err.Error(), "nil") && !strings.Contains(err.Error(), "shape (")) {
			t.Errorf("%s: error %q does not name the op and the shape", c.name, err)
		}
		t.Logf("%s: %v", c.name, err)
	}
}
