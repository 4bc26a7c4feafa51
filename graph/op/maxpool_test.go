package op

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// poolGradCases are the window geometries every pooling gradient check
// covers, over x of shape (N,C,H,W).
var poolGradCases = []struct {
	name  string
	shape []int
	p     PoolParams
}{
	{"2x2/2", []int{2, 2, 6, 6}, PoolParams{KH: 2, KW: 2}},
	{"3x3/2 pad 1", []int{1, 2, 7, 7}, PoolParams{KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1}},
	{"3x3/2 ceil 6x6->3x3", []int{1, 2, 6, 6}, PoolParams{KH: 3, KW: 3, SH: 2, SW: 2, CeilMode: true}},
	{"3x3/2 floor 6x6->2x2", []int{1, 2, 6, 6}, PoolParams{KH: 3, KW: 3, SH: 2, SW: 2}},
	{"3x3/2 pad 1 ceil", []int{1, 1, 6, 6}, PoolParams{KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1, CeilMode: true}},
	{"2x3/1x2 pad 1 ceil non-square", []int{2, 1, 5, 7}, PoolParams{KH: 2, KW: 3, SH: 1, SW: 2, PH: 1, PW: 1, CeilMode: true}},
	{"2x2/2 ceil odd", []int{1, 2, 5, 5}, PoolParams{KH: 2, KW: 2, CeilMode: true}},
}

func TestMaxPoolGrad(t *testing.T) {
	for i, c := range poolGradCases {
		t.Run(c.name, func(t *testing.T) {
			x := randTensor(rand.New(rand.NewSource(int64(10+i))), c.shape...)
			checkGrad(t, func(in G.Nodes) (*G.Node, error) { return MaxPool2d(in[0], c.p) },
				[]*tensor.Dense{x}, []bool{true})
		})
	}
}

func TestMaxPoolF32(t *testing.T) {
	for i, c := range poolGradCases {
		t.Run(c.name, func(t *testing.T) {
			x := randTensor(rand.New(rand.NewSource(int64(30+i))), c.shape...)
			checkF32(t, func(in G.Nodes) (*G.Node, error) { return MaxPool2d(in[0], c.p) }, x)
		})
	}
}

// TestMaxPoolGolden compares output and gradient with PyTorch's
// F.max_pool2d, including inputs full of ties (integers in {0,1,2}) where
// the gradient must go to the first maximum as in PyTorch.
func TestMaxPoolGolden(t *testing.T) {
	var cases []poolCase
	decode(t, loadPoolGolden(t)["pool"], &cases)
	for _, c := range cases {
		p := c.params(false)
		t.Run(fmt.Sprintf("%v %v", c.Shape, p), func(t *testing.T) {
			checkGolden(t, func(x *G.Node) (*G.Node, error) { return MaxPool2d(x, p) }, c.Shape, c.X, c.Max)
		})
	}
}

// TestMaxPoolPlain checks a hand-computed case, padding as -inf: every
// value negative, so a zero pad would win.
func TestMaxPoolPlain(t *testing.T) {
	x := tensor.New(tensor.WithShape(1, 1, 3, 3), tensor.WithBacking([]float64{
		-1, -2, -3,
		-4, -5, -6,
		-7, -8, -9}))
	got := forward(t, func(in G.Nodes) (*G.Node, error) {
		return MaxPool2d(in[0], PoolParams{KH: 2, KW: 2, SH: 2, SW: 2, PH: 1, PW: 1})
	}, x)
	poolNear(t, "out", got, []float64{-1, -2, -4, -5}, 0)
}

// BenchmarkMaxPool times forward+backward, float32, of this package's
// MaxPool2d and of Gorgonia's stock MaxPool2D in the same run.
func BenchmarkMaxPool(b *testing.B) {
	for _, c := range []struct {
		name  string
		shape []int
		p     PoolParams
	}{
		{"lenet_64x6x28x28_2x2", []int{64, 6, 28, 28}, PoolParams{KH: 2, KW: 2}},
		{"resnet_8x64x112x112_3x3s2p1", []int{8, 64, 112, 112}, PoolParams{KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1}},
	} {
		stride := c.p.SH
		if stride == 0 {
			stride = c.p.KH
		}
		for _, impl := range []struct {
			name  string
			build func(x *G.Node) (*G.Node, error)
		}{
			{"op", func(x *G.Node) (*G.Node, error) { return MaxPool2d(x, c.p) }},
			{"gorgonia", func(x *G.Node) (*G.Node, error) {
				return G.MaxPool2D(x, tensor.Shape{c.p.KH, c.p.KW}, []int{c.p.PH, c.p.PW}, []int{stride, stride})
			}},
		} {
			b.Run(c.name+"/"+impl.name, func(b *testing.B) {
				poolBench(b, c.shape, impl.build)
			})
		}
	}
}

// poolBench times forward+backward of build over a random float32 x with
// a fixed upstream gradient.
func poolBench(b *testing.B, shape []int, build func(*G.Node) (*G.Node, error)) {
	b.Helper()
	g := G.NewGraph()
	rng := rand.New(rand.NewSource(1))
	x := G.NodeFromAny(g, toF32(randTensor(rng, shape...)), G.WithName("x"))
	y, err := build(x)
	if err != nil {
		b.Fatal(err)
	}
	dy := G.NodeFromAny(g, toF32(randTensor(rng, y.Shape()...)), G.WithName("dy"))
	if _, err := G.Backpropagate(G.Nodes{y}, G.Nodes{dy}, G.Nodes{x}); err != nil {
		b.Fatal(err)
	}
	benchTape(b, g)
}

// TestMaxPoolNaN: a NaN in a window wins, as in PyTorch, so a diverged
// activation shows up in the loss; 3x3 windows use the unrolled path.
func TestMaxPoolNaN(t *testing.T) {
	d := make([]float64, 36)
	d[7] = math.NaN()
	x := tensor.New(tensor.WithShape(1, 1, 6, 6), tensor.WithBacking(d))
	for _, p := range []PoolParams{{KH: 2, KW: 2}, {KH: 3, KW: 3, SH: 3, SW: 3}, {KH: 3, KW: 2}} {
		got := forward(t, func(in G.Nodes) (*G.Node, error) { return MaxPool2d(in[0], p) }, x)
		if !math.IsNaN(got[0]) || math.IsNaN(got[len(got)-1]) {
			t.Errorf("%v: got %v, want NaN first and finite last", p, got)
		}
	}
}

// TestMaxPool2x2F32Branchless: the branchless float32 2x2 path (vec's
// assembly, then the Go code) gives the
// reference path's values and indices to the bit, on data full of ties,
// signed zeros, infinities and NaNs.
func TestMaxPool2x2F32Branchless(t *testing.T) {
	// Rows of 21: ten windows, eight by vec's AVX2 kernel and two by the
	// Go code, one column left over.
	g, err := stridedGeom("test", tensor.Shape{3, 2, 6, 21}, PoolParams{KH: 2, KW: 2, SH: 2, SW: 2})
	if err != nil {
		t.Fatal(err)
	}
	pick := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 2, -2, 1e-45, -1e-45,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), -float32(math.NaN()), 3.5, -3.5}
	rng := rand.New(rand.NewSource(3))
	n := 3 * 2 * 6 * 21
	x := make([]float32, n)
	no := 3 * 2 * 3 * 10
	for trial := range 200 {
		for i := range x {
			if trial%2 == 0 {
				x[i] = pick[rng.Intn(len(pick))]
			} else {
				x[i] = float32(rng.Intn(3)) - 1
			}
		}
		wantV, gotV := make([]float32, no), make([]float32, no)
		wantI, gotI := make([]int32, no), make([]int32, no)
		maxPool2x2(g, x, wantV, wantI, 0, g.planes())
		maxPool2x2F32(g, x, gotV, gotI, 0, g.planes())
		for i := range wantV {
			if math.Float32bits(wantV[i]) != math.Float32bits(gotV[i]) && !(wantV[i] != wantV[i] && gotV[i] != gotV[i]) || wantI[i] != gotI[i] {
				t.Fatalf("trial %d, output %d: got %v at %d, want %v at %d", trial, i, gotV[i], gotI[i], wantV[i], wantI[i])
			}
		}
	}
}

// TestMaxPool2x2Values: the evaluation 2×2 path without indices (vec's
// assembly, then the Go code alone) gives the indexed reference's values
// (a NaN where it has one; zeros compared as values, their signs and
// the NaNs' bits in TestMaxPool2x2ValuesBits) on input rows of 10 (five
// windows, as LeNet-5's pool2: vec's row pairs), 20 (ten: eight by vec,
// then the last eight again) and 21 (a column left over), on
// data full of ties, signed zeros, infinities and NaNs; the evaluation
// op keeps no indices, the differentiated one does.
func TestMaxPool2x2Values(t *testing.T) {
	pick := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 2, -2, 1e-45, -1e-45,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 3.5, -3.5}
	rng := rand.New(rand.NewSource(4))
	for _, vecOn := range []bool{true, false} {
		for _, w := range []int{10, 20, 21} {
			shape := tensor.Shape{3, 2, 6, w}
			g, err := stridedGeom("test", shape, PoolParams{KH: 2, KW: 2, SH: 2, SW: 2})
			if err != nil {
				t.Fatal(err)
			}
			x := make([]float32, shape.TotalSize())
			no := 3 * 2 * 3 * (w / 2)
			for trial := range 50 {
				for i := range x {
					if trial%2 == 0 {
						x[i] = pick[rng.Intn(len(pick))]
					} else {
						x[i] = float32(rng.Intn(3)) - 1
					}
				}
				want, got := make([]float32, no), make([]float32, no)
				maxPool2x2(g, x, want, make([]int32, no), 0, g.planes())
				restore := SetFastPaths(vecOn)
				maxPool2x2Values(g, x, got, 0, g.planes(), make([]float32, maxPoolRowMax(g)))
				restore()
				for i := range want {
					if want[i] != got[i] && !(want[i] != want[i] && got[i] != got[i]) {
						t.Fatalf("vec %t, width %d, trial %d, output %d: got %v, want %v", vecOn, w, trial, i, got[i], want[i])
					}
				}
			}
		}
	}
	gr := G.NewGraph()
	x := G.NewTensor(gr, tensor.Float32, 4, G.WithShape(1, 1, 4, 4), G.WithName("x"))
	y, err := MaxPool2d(x, PoolParams{KH: 2, KW: 2, SH: 2, SW: 2})
	if err != nil {
		t.Fatal(err)
	}
	k := y.Op().(*customOp).k.(*maxPoolKernel)
	if k.valuesOnly(tensor.Float32) != true {
		t.Error("an evaluation 2x2 float32 pooling keeps its indices")
	}
	if _, err := G.Grad(G.Must(G.Sum(y)), x); err != nil {
		t.Fatal(err)
	}
	if k.valuesOnly(tensor.Float32) {
		t.Error("a differentiated pooling does not keep its indices")
	}
}

// BenchmarkMaxPool2x2Kernel times the 2x2 kernels alone, single-threaded,
// on ReLU-like activations (half zeros).
func BenchmarkMaxPool2x2Kernel(b *testing.B) {
	g, err := stridedGeom("bench", tensor.Shape{64, 6, 28, 28}, PoolParams{KH: 2, KW: 2, SH: 2, SW: 2})
	if err != nil {
		b.Fatal(err)
	}
	x := make([]float32, 64*6*28*28)
	rng := rand.New(rand.NewSource(1))
	for i := range x {
		x[i] = max(0, rng.Float32()-0.5)
	}
	out, idx := make([]float32, len(x)/4), make([]int32, len(x)/4)
	b.Run("branchy", func(b *testing.B) {
		for b.Loop() {
			maxPool2x2(g, x, out, idx, 0, g.planes())
		}
	})
	b.Run("branchless", func(b *testing.B) {
		for b.Loop() {
			maxPool2x2F32(g, x, out, idx, 0, g.planes())
		}
	})
	b.Run("values", func(b *testing.B) {
		for b.Loop() {
			maxPool2x2Values(g, x, out, 0, g.planes(), nil)
		}
	})
}

// TestMaxPoolAnyF32: the float32 path of maxPoolAny (vec's kernel for the
// windows inside the rows, the Go code at the edges) gives the values and
// argmax indices of the float64 path, which is all Go, to the bit, on
// data full of ties, signed zeros, infinities and NaNs, for the zoo's
// k×k poolings and odd shapes around them.
func TestMaxPoolAnyF32(t *testing.T) {
	pick := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 2, 1e-45,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), -float32(math.NaN()), 3.5}
	rng := rand.New(rand.NewSource(5))
	for _, c := range []struct {
		shape []int
		p     PoolParams
	}{
		{[]int{1, 3, 112, 112}, PoolParams{KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1}}, // resnet
		{[]int{2, 2, 55, 55}, PoolParams{KH: 3, KW: 3, SH: 2, SW: 2}},                 // alexnet
		{[]int{1, 2, 28, 28}, PoolParams{KH: 3, KW: 3, SH: 2, SW: 2, CeilMode: true}}, // googlenet
		{[]int{1, 2, 28, 28}, PoolParams{KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1}},   // googlenet
		{[]int{1, 2, 7, 19}, PoolParams{KH: 3, KW: 3, SH: 1, SW: 1, CeilMode: true}},
		{[]int{2, 1, 9, 37}, PoolParams{KH: 2, KW: 3, SH: 3, SW: 2, PH: 1, PW: 1, CeilMode: true}},
		{[]int{1, 2, 5, 17}, PoolParams{KH: 1, KW: 2, SH: 1, SW: 1}},
		{[]int{1, 1, 6, 40}, PoolParams{KH: 3, KW: 3, SH: 3, SW: 3}}, // stride 3: all Go
	} {
		p, err := c.p.norm("test", c.shape)
		if err != nil {
			t.Fatal(err)
		}
		g, err := stridedGeom("test", c.shape, p)
		if err != nil {
			t.Fatal(err)
		}
		x32 := make([]float32, tensor.Shape(c.shape).TotalSize())
		x64 := make([]float64, len(x32))
		no := g.outShape().TotalSize()
		for trial := range 20 {
			for i := range x32 {
				if trial%2 == 0 {
					x32[i] = pick[rng.Intn(len(pick))]
				} else {
					x32[i] = float32(rng.Intn(3)) - 1
				}
				x64[i] = float64(x32[i])
			}
			want, got := make([]float64, no), make([]float32, no)
			wantI, gotI := make([]int32, no), make([]int32, no)
			maxPoolAny(g, p.KW, p.SW, x64, want, wantI, 0, g.planes())
			maxPoolAny(g, p.KW, p.SW, x32, got, gotI, 0, g.planes())
			for i := range want {
				w := float32(want[i])
				if math.Float32bits(w) != math.Float32bits(got[i]) && !(w != w && got[i] != got[i]) || wantI[i] != gotI[i] {
					t.Fatalf("%v %v trial %d, output %d: got %v at %d, want %v at %d", c.shape, p, trial, i, got[i], gotI[i], w, wantI[i])
				}
			}
		}
	}
}

// BenchmarkMaxPoolKernel times the k×k forward kernel alone,
// single-threaded, on ReLU-like activations (half zeros): maxPoolAny
// (vec's kernel inside the rows) and the Go code alone.
func BenchmarkMaxPoolKernel(b *testing.B) {
	for _, c := range []struct {
		name  string
		shape []int
		p     PoolParams
	}{
		{"resnet_1x64x112x112_3x3s2p1", []int{1, 64, 112, 112}, PoolParams{KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1}},
		{"googlenet_1x480x28x28_3x3s1p1", []int{1, 480, 28, 28}, PoolParams{KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1}},
		{"alexnet_1x64x55x55_3x3s2", []int{1, 64, 55, 55}, PoolParams{KH: 3, KW: 3, SH: 2, SW: 2}},
	} {
		p, err := c.p.norm("bench", c.shape)
		if err != nil {
			b.Fatal(err)
		}
		g, err := stridedGeom("bench", c.shape, p)
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewSource(1))
		x := make([]float32, tensor.Shape(c.shape).TotalSize())
		for i := range x {
			x[i] = max(0, rng.Float32()-0.5)
		}
		no := g.outShape().TotalSize()
		out, idx := make([]float32, no), make([]int32, no)
		b.Run(c.name+"/f32", func(b *testing.B) {
			for b.Loop() {
				maxPoolAny(g, p.KW, p.SW, x, out, idx, 0, g.planes())
			}
		})
		b.Run(c.name+"/f32-go", func(b *testing.B) {
			hw, ohw, ow := g.h*g.w, len(g.rows.lo)*len(g.cols.lo), len(g.cols.lo)
			for b.Loop() {
				for pl := range g.planes() {
					for i := range g.rows.lo {
						o := pl*ohw + i*ow
						maxPoolWindows(g, x[pl*hw:][:hw], out[o:][:ow], idx[o:][:ow], pl*hw, i, 0, ow)
					}
				}
			}
		})
	}
}

// TestMaxPool2x2ValuesBits: maxPool2x2Values gives the same bits by
// vec's kernels (rows of 5 windows through the row pairs, of 10 and 10½
// through the windows) and by its Go loop, on ties, signed zeros and
// NaNs next to values whose low mantissa bits are set (Go's max on
// amd64 mixes those into a NaN's payload): Go's max where it is not a
// NaN, the NaN 0x7fc00000 where it is.
func TestMaxPool2x2ValuesBits(t *testing.T) {
	pick := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 5.125, -5.125, 3.3, float32(math.NaN())}
	rng := rand.New(rand.NewSource(11))
	for _, w := range []int{10, 20, 21} {
		shape := tensor.Shape{2, 3, 4, w}
		g, err := stridedGeom("test", shape, PoolParams{KH: 2, KW: 2, SH: 2, SW: 2})
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, shape.TotalSize())
		for i := range x {
			x[i] = pick[rng.Intn(len(pick))]
		}
		var outs [2][]float32
		for i, vecOn := range []bool{true, false} {
			outs[i] = make([]float32, 2*3*2*(w/2))
			restore := SetFastPaths(vecOn)
			maxPool2x2Values(g, x, outs[i], 0, g.planes(), make([]float32, maxPoolRowMax(g)))
			restore()
		}
		for p := range g.planes() {
			for r := range 2 {
				for j := range w / 2 {
					o := (p*2+r)*(w/2) + j
					at := p*4*w + 2*r*w + 2*j
					want := max(x[at], x[at+1], x[at+w], x[at+w+1])
					if want != want {
						want = math.Float32frombits(0x7fc00000)
					}
					for i, vecOn := range []bool{true, false} {
						if got := outs[i][o]; math.Float32bits(got) != math.Float32bits(want) {
							t.Fatalf("width %d, vec %t, output %d of %v %v: %v (%#x), want %v (%#x)", w, vecOn, o,
								x[at:at+2], x[at+w:at+w+2], got, math.Float32bits(got), want, math.Float32bits(want))
						}
					}
				}
			}
		}
	}
}
