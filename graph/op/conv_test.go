package op

import (
	"encoding/json"
	"github.com/convzoo/convzoo/graph/op/internal/gemm"
	"math"
	"math/rand"
	"os"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func convBuild(p ConvParams, bias bool) func(in G.Nodes) (*G.Node, error) {
	return func(in G.Nodes) (*G.Node, error) {
		if bias {
			return Conv2d(in[0], in[1], in[2], p)
		}
		return Conv2d(in[0], in[1], nil, p)
	}
}

// naiveConv is the direct-loop definition of the convolution, in float64.
func naiveConv(x, w, b []float64, xs, ws []int, p ConvParams) ([]float64, []int) {
	g := newConvGeom(xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], p)
	n := xs[0]
	y := make([]float64, n*g.outC*g.oh*g.ow)
	for i := 0; i < n; i++ {
		for o := 0; o < g.outC; o++ {
			for oy := 0; oy < g.oh; oy++ {
				for ox := 0; ox < g.ow; ox++ {
					s := 0.0
					if b != nil {
						s = b[o]
					}
					for c := 0; c < g.c; c++ {
						for ki := 0; ki < g.kh; ki++ {
							for kj := 0; kj < g.kw; kj++ {
								iy, ix := oy*g.sh-g.ph+ki*g.dh, ox*g.sw-g.pw+kj*g.dw
								if iy < 0 || iy >= g.h || ix < 0 || ix >= g.w {
									continue
								}
								s += x[((i*g.c+c)*g.h+iy)*g.w+ix] * w[((o*g.c+c)*g.kh+ki)*g.kw+kj]
							}
						}
					}
					y[((i*g.outC+o)*g.oh+oy)*g.ow+ox] = s
				}
			}
		}
	}
	return y, []int{n, g.outC, g.oh, g.ow}
}

var convGradCases = []struct {
	name   string
	xs, ws []int
	p      ConvParams
	bias   bool
}{
	{"stride2_pad1", []int{2, 2, 5, 6}, []int{3, 2, 3, 3}, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, true},
	{"pad2", []int{2, 1, 4, 4}, []int{2, 1, 5, 5}, ConvParams{PadH: 2, PadW: 2}, true},
	{"dilation2", []int{2, 2, 6, 6}, []int{2, 2, 3, 3}, ConvParams{PadH: 1, PadW: 1, DilationH: 2, DilationW: 2}, true},
	{"1x1", []int{2, 3, 3, 4}, []int{4, 3, 1, 1}, ConvParams{}, true},
	{"1x1_stride2", []int{2, 3, 5, 4}, []int{2, 3, 1, 1}, ConvParams{StrideH: 2, StrideW: 2}, true},
	{"nonsquare", []int{2, 2, 7, 5}, []int{2, 2, 3, 2}, ConvParams{StrideH: 1, StrideW: 2, PadH: 2, PadW: 1, DilationH: 1, DilationW: 2}, true},
	{"nobias", []int{2, 2, 5, 5}, []int{3, 2, 3, 3}, ConvParams{StrideH: 2, PadW: 1}, false},
	{"batch1_stride3", []int{1, 2, 8, 7}, []int{2, 2, 2, 3}, ConvParams{StrideH: 3, StrideW: 2, PadH: 1}, true},
}

// TestConv2dGrad checks dx, dw and db against finite differences, with the
// forward columns kept and rebuilt, on one worker and on two.
func TestConv2dGrad(t *testing.T) {
	defer func(k, w int) { keepColsBytes, gemm.MaxWorkers = k, w }(keepColsBytes, gemm.MaxWorkers)
	for _, tc := range convGradCases {
		for _, mode := range []struct {
			name          string
			keep, workers int
		}{{"keep/2workers", 1 << 30, 2}, {"rebuild/1worker", 0, 1}, {"rebuild/2workers", 0, 2}} {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				keepColsBytes, gemm.MaxWorkers = mode.keep, mode.workers
				rng := rand.New(rand.NewSource(4))
				in := []*tensor.Dense{randTensor(rng, tc.xs...), randTensor(rng, tc.ws...)}
				wrt := []bool{true, true}
				if tc.bias {
					in = append(in, randTensor(rng, tc.ws[0]))
					wrt = append(wrt, true)
				}
				checkGrad(t, convBuild(tc.p, tc.bias), in, wrt)
			})
		}
		t.Run(tc.name+"/float32", func(t *testing.T) {
			rng := rand.New(rand.NewSource(5))
			in := []*tensor.Dense{randTensor(rng, tc.xs...), randTensor(rng, tc.ws...)}
			if tc.bias {
				in = append(in, randTensor(rng, tc.ws[0]))
			}
			checkF32(t, convBuild(tc.p, tc.bias), in...)
			checkGradF32(t, convBuild(tc.p, tc.bias), in...)
		})
	}
}

// TestConv2dNaive compares the forward pass with the direct loops,
// including sizes where the GEMM is cut into tiles.
func TestConv2dNaive(t *testing.T) {
	for _, tc := range append(convGradCases[:len(convGradCases):len(convGradCases)], struct {
		name   string
		xs, ws []int
		p      ConvParams
		bias   bool
	}{"tiled", []int{3, 8, 17, 19}, []int{70, 8, 3, 3}, ConvParams{PadH: 1, PadW: 1}, true}) {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(6))
			in := []*tensor.Dense{randTensor(rng, tc.xs...), randTensor(rng, tc.ws...)}
			var b []float64
			if tc.bias {
				in = append(in, randTensor(rng, tc.ws[0]))
				b = tValues(in[2])
			}
			want, _ := naiveConv(tValues(in[0]), tValues(in[1]), b, tc.xs, tc.ws, tc.p)
			tNear(t, "float64", forward(t, convBuild(tc.p, tc.bias), in...), want, 1e-12)
		})
	}
}

// TestConv2dGolden checks the forward pass against PyTorch's F.conv2d
// (testdata/gen_conv_golden.py) and against naiveConv, in both dtypes.
func TestConv2dGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/conv_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Conv []map[string]json.RawMessage }
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	for _, m := range file.Conv {
		var c struct {
			Name                  string
			XShape                []int `json:"x_shape"`
			WShape                []int `json:"w_shape"`
			YShape                []int `json:"y_shape"`
			Stride, Pad, Dilation []int
			X, W, B, Y            []float64
		}
		mustJSON(t, m, &c)
		p := ConvParams{StrideH: c.Stride[0], StrideW: c.Stride[1], PadH: c.Pad[0], PadW: c.Pad[1],
			DilationH: c.Dilation[0], DilationW: c.Dilation[1]}
		naive, shape := naiveConv(c.X, c.W, c.B, c.XShape, c.WShape, p)
		if !tensor.Shape(shape).Eq(tensor.Shape(c.YShape)) {
			t.Fatalf("%s: naive shape %v, torch %v", c.Name, shape, c.YShape)
		}
		tNear(t, c.Name+" naive", naive, c.Y, 1e-10)
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(c.Name+"/"+dt.String(), func(t *testing.T) {
				in := []*tensor.Dense{tFill(dt, c.X, c.XShape...), tFill(dt, c.W, c.WShape...)}
				if c.B != nil {
					in = append(in, tFill(dt, c.B, c.WShape[0]))
				}
				tol := 1e-10
				if dt == tensor.Float32 {
					tol = 1e-4
				}
				tNear(t, "output", forward(t, convBuild(p, c.B != nil), in...), c.Y, tol)
			})
		}
	}
}

// mustJSON decodes the fields of m into v.
func mustJSON(t *testing.T, m map[string]json.RawMessage, v any) {
	t.Helper()
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

// TestConv2dErrors: bad shapes are errors naming the op and the shapes.
func TestConv2dErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		xs, ws, bs []int
		p          ConvParams
		want       []string
	}{
		{"x3D", []int{1, 5, 5}, []int{2, 1, 3, 3}, nil, ConvParams{}, []string{"(1, 5, 5)", "(2, 1, 3, 3)"}},
		{"channels", []int{1, 3, 5, 5}, []int{2, 2, 3, 3}, nil, ConvParams{}, []string{"(1, 3, 5, 5)", "(2, 2, 3, 3)", "channels"}},
		{"kernelTooBig", []int{1, 1, 3, 3}, []int{1, 1, 5, 5}, nil, ConvParams{PadH: 0, PadW: 0}, []string{"(1, 1, 3, 3)", "(1, 1, 5, 5)", "output"}},
		{"dilatedTooBig", []int{1, 1, 5, 5}, []int{1, 1, 3, 3}, nil, ConvParams{DilationH: 3}, []string{"(1, 1, 5, 5)", "dilation 3,1"}},
		{"bias", []int{1, 1, 5, 5}, []int{2, 1, 3, 3}, []int{3}, ConvParams{}, []string{"bias (3)", "(2, 1, 3, 3)"}},
		{"negative", []int{1, 1, 5, 5}, []int{2, 1, 3, 3}, nil, ConvParams{PadH: -1}, []string{"negative", "(1, 1, 5, 5)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			x := G.NewTensor(g, tensor.Float64, len(tc.xs), G.WithShape(tc.xs...), G.WithName("x"))
			w := G.NewTensor(g, tensor.Float64, len(tc.ws), G.WithShape(tc.ws...), G.WithName("w"))
			var b *G.Node
			if tc.bs != nil {
				b = G.NewTensor(g, tensor.Float64, 1, G.WithShape(tc.bs...), G.WithName("b"))
			}
			_, err := Conv2d(x, w, b, tc.p)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range append([]string{"Conv2d"}, tc.want...) {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

// tFill returns a (shape) tensor of dtype dt holding vals.
func tFill(dt tensor.Dtype, vals []float64, shape ...int) *tensor.Dense {
	if dt == tensor.Float64 {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), vals...)))
	}
	return toF32(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(vals)))
}

// tValues returns t's elements as float64.
func tValues(t *tensor.Dense) []float64 {
	if d, ok := t.Data().([]float32); ok {
		r := make([]float64, len(d))
		for i, v := range d {
			r[i] = float64(v)
		}
		return r
	}
	return append([]float64(nil), t.Data().([]float64)...)
}

// tNear requires |got-want| <= tol*max(1,|want|) elementwise.
func tNear(t *testing.T, what string, got, want []float64, tol float64) {
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

// TestConv2dFloat32Grad: with a batch and sizes that take the packed
// float32 GEMM (weights and Wᵀ packed once per call), the float32 forward and
// gradients dx, dw agree with float64 ones.
func TestConv2dFloat32Grad(t *testing.T) {
	checkConvF32Grads(t, []int{3, 4, 6, 6}, []int{8, 4, 3, 3}, ConvParams{PadH: 1, PadW: 1})
}

// checkConvF32Grads requires the float32 forward and gradients dx, dw of
// a convolution of random x (xs) and w (ws) to agree with float64 ones
// within 1e-5 of the largest magnitude.
func checkConvF32Grads(t *testing.T, xs, ws []int, p ConvParams) {
	t.Helper()
	rng := rand.New(rand.NewSource(8))
	g := newConvGeom(xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], p)
	x, w, dy := randTensor(rng, xs...), randTensor(rng, ws...), randTensor(rng, xs[0], ws[0], g.oh, g.ow)
	run := func(conv func(*tensor.Dense) *tensor.Dense) [][]float64 {
		g := G.NewGraph()
		xn := G.NodeFromAny(g, conv(x), G.WithName("x"))
		wn := G.NodeFromAny(g, conv(w), G.WithName("w"))
		y, err := Conv2d(xn, wn, nil, p)
		if err != nil {
			t.Fatal(err)
		}
		dyn := G.NodeFromAny(g, conv(dy), G.WithName("dy"))
		grads, err := G.Backpropagate(G.Nodes{y}, G.Nodes{dyn}, G.Nodes{xn, wn})
		if err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return [][]float64{tValues(y.Value().(*tensor.Dense)), tValues(grads[0].Value().(*tensor.Dense)), tValues(grads[1].Value().(*tensor.Dense))}
	}
	want := run(func(d *tensor.Dense) *tensor.Dense { return d })
	got := run(toF32)
	for i, name := range []string{"y", "dx", "dw"} {
		requireClose(t, name, got[i], want[i], 1e-5)
	}
}
