package op

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// withWinograd runs f with useWinograd forced to mode and gemm.MaxWorkers
// set to workers (0: unchanged).
func withWinograd(mode winogradMode, workers int, f func()) {
	defer func(m winogradMode, w int) { winogradUse, gemm.MaxWorkers = m, w }(winogradUse, gemm.MaxWorkers)
	winogradUse = mode
	if workers > 0 {
		gemm.MaxWorkers = workers
	}
	f()
}

// convDirect runs the forward kernel of a convolution on x, w and b (nil:
// no bias), of x's dtype, and returns the output as float64; where keep,
// it also returns the columns kept for the backward pass.
func convDirect(t testing.TB, x, w, b *tensor.Dense, p ConvParams, keep bool) ([]float64, []float64) {
	t.Helper()
	in := []*tensor.Dense{x, w}
	if b != nil {
		in = append(in, b)
	}
	k := &convKernel{p: p, bias: b != nil, keep: keep}
	shapes := make([]tensor.Shape, len(in))
	for i, d := range in {
		shapes[i] = d.Shape()
	}
	os, err := k.outShape(shapes)
	if err != nil {
		t.Fatal(err)
	}
	out := tensor.New(tensor.Of(x.Dtype()), tensor.WithShape(os...))
	if err := k.forward(in, out); err != nil {
		t.Fatal(err)
	}
	var kept []float64
	if keep {
		for _, v := range k.s32.kept {
			kept = append(kept, float64(v))
		}
	}
	return tValues(out), kept
}

// convErr returns the largest absolute difference of got from want and
// that difference relative to want's largest magnitude (at least
// 1e-300); a NaN in got makes both NaN.
func convErr(got, want []float64) (abs, rel float64) {
	scale := 1e-300
	for i, v := range want {
		abs = math.Max(abs, math.Abs(got[i]-v))
		scale = math.Max(scale, math.Abs(v))
	}
	return abs, abs / scale
}

// winogradCase is one 3×3 stride-1 convolution: batch, channels in,
// height and width, channels out, padding, bias.
type winogradCase struct {
	name          string
	n, c, h, w, o int
	pad           int
	bias          bool
	tile          int // 4: F(4×4,3×3); else F(2×2,3×3)
}

// winogradTol bounds the Winograd result's error relative to the largest
// output magnitude, against float64 arithmetic on the same float32
// inputs. On the 35 zoo shapes at full size (go test -run
// TestWinogradZoo -v, without -short) float32 im2col's reaches 1.9e-7 to
// 7.5e-7 (absolute: at most 3.9e-5) and Winograd's 1.6e-7 to 6.9e-7
// (absolute: at most 5.9e-5).
const winogradTol = 2e-6

// forcedTol is the error bound of the path the tests force: F(4×4)'s
// where winograd4Use forces it, else F(2×2)'s.
func forcedTol() float64 {
	if winograd4Use == winogradAlways {
		return winograd4Tol
	}
	return winogradTol
}

// checkWinograd compares the Winograd forward of c against the float64
// im2col one, and logs its error beside float32 im2col's.
func checkWinograd(t *testing.T, rng *rand.Rand, c winogradCase, workers int) {
	t.Helper()
	defer func(m winogradMode) { winograd4Use = m }(winograd4Use)
	tol := winogradTol
	winograd4Use = winogradNever
	if c.tile == 4 {
		winograd4Use, tol = winogradAlways, winograd4Tol
	}
	p := ConvParams{PadH: c.pad, PadW: c.pad}
	x, w := randTensor(rng, c.n, c.c, c.h, c.w), randTensor(rng, c.o, c.c, 3, 3)
	var b, b32 *tensor.Dense
	if c.bias {
		b32 = toF32(randTensor(rng, c.o))
		b = tFill(tensor.Float64, tValues(b32), c.o)
	}
	// The reference is float64 arithmetic on the float32 inputs: the
	// errors are the float32 arithmetic's alone.
	want, _ := convDirect(t, tFill(tensor.Float64, tValues(toF32(x)), x.Shape()...), tFill(tensor.Float64, tValues(toF32(w)), w.Shape()...), b, p, false)
	var direct, got []float64
	withWinograd(winogradNever, workers, func() { direct, _ = convDirect(t, toF32(x), toF32(w), b32, p, false) })
	withWinograd(winogradAlways, workers, func() { got, _ = convDirect(t, toF32(x), toF32(w), b32, p, false) })
	da, dr := convErr(direct, want)
	wa, wr := convErr(got, want)
	t.Logf("%-22s x %v w %v pad %d: im2col f32 abs %.2e rel %.2e | winograd F(%d) abs %.2e rel %.2e",
		c.name, x.Shape(), w.Shape(), c.pad, da, dr, max(2, c.tile), wa, wr)
	if !(wr <= tol) {
		t.Errorf("%s: Winograd F(%d) error %.3g relative to the largest output, want <= %g (im2col float32: %.3g)", c.name, max(2, c.tile), wr, tol, dr)
	}
}

// TestWinogradOdd: sizes that are not multiples of the 2×2 tile, padding
// 0, 1 and 2, batch 1 and 3, bias or none, one worker and two, with the
// assembly transforms and without; rows wide enough for runs of 8 tiles,
// with and without a remainder.
func TestWinogradOdd(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	eachWinogradSetting(t, func(simd bool, workers int) {
		for _, pad := range []int{0, 1, 2} {
			for _, s := range [][2]int{{3, 3}, {5, 7}, {8, 9}, {11, 4}, {6, 37}, {9, 40}, {4, 21}, {8, 8}, {10, 10}} {
				for _, n := range []int{1, 3} {
					c := winogradCase{name: fmt.Sprintf("odd/simd=%t/w%d", simd, workers), n: n, c: 5, h: s[0], w: s[1], o: 7, pad: pad, bias: n == 3}
					checkWinograd(t, rng, c, workers)
				}
			}
		}
	})
}

// TestWinogradPairedRows: on rows of 4 tiles (outputs 8 wide on
// F(2×2), 16 on F(4×4)), where two tile rows run through the assembly
// transforms together (pairRows), the output is the scalar transforms':
// the same bits on F(4×4) (same operations in the same order), within
// float32 rounding on F(2×2) (its assembly adds along the rows first,
// the scalar code down the columns; a tile in the wrong place would be
// off by O(1)). Whole images and ones cut at the bottom or the right
// (the last tile row alone, or outputs 7 or 15 wide, which are not
// paired), batches whose chunks start and end inside an image, at one
// worker and two, padding 0 to 2.
func TestWinogradPairedRows(t *testing.T) {
	if !hasWinogradSIMD {
		t.Skip("no assembly transforms on this CPU")
	}
	defer func(s bool, m winogradMode) { winogradSIMD, winograd4Use = s, m }(winogradSIMD, winograd4Use)
	rng := rand.New(rand.NewSource(14))
	for _, s := range []struct{ tile, h, w, pad, n int }{
		{2, 8, 8, 1, 1}, {2, 10, 10, 0, 5}, {2, 12, 12, 2, 7}, {2, 9, 8, 1, 5}, {2, 7, 8, 1, 7}, {2, 8, 7, 1, 5}, {2, 11, 10, 0, 3},
		{4, 16, 16, 1, 1}, {4, 18, 18, 0, 5}, {4, 20, 20, 2, 7}, {4, 17, 16, 1, 5}, {4, 15, 16, 1, 7}, {4, 16, 15, 1, 5}, {4, 19, 18, 0, 3},
	} {
		winograd4Use = winogradNever
		if s.tile == 4 {
			winograd4Use = winogradAlways
		}
		x, w, b := toF32(randTensor(rng, s.n, 3, s.h, s.w)), toF32(randTensor(rng, 5, 3, 3, 3)), toF32(randTensor(rng, 5))
		p := ConvParams{PadH: s.pad, PadW: s.pad}
		for _, workers := range []int{1, 2} {
			var got [2][]float64
			withWinograd(winogradAlways, workers, func() {
				for i, simd := range []bool{false, true} {
					winogradSIMD = simd
					got[i], _ = convDirect(t, x, w, b, p, false)
				}
			})
			_, rel := convErr(got[1], got[0])
			if s.tile == 4 && rel != 0 || !(rel <= 1e-6) {
				t.Errorf("F(%d×%d), x %v pad %d, %d workers: the assembly's output differs from the scalar one's by %.3g of the largest", s.tile, s.tile, x.Shape(), s.pad, workers, rel)
			}
		}
	}
}

// zooWinograd lists every 3×3 stride-1 convolution of the zoo (input
// channels, size, output channels; padding 1), deduplicated.
var zooWinograd = []struct {
	model    string
	c, hw, o int
	batch    int
}{
	{"resnet18/34/50", 64, 56, 64, 1}, {"resnet18/34/50", 128, 28, 128, 1},
	{"resnet18/34/50", 256, 14, 256, 1}, {"resnet18/34/50", 512, 7, 512, 1},
	{"vgg11/16", 3, 224, 64, 1}, {"vgg16", 64, 224, 64, 1}, {"vgg11/16", 64, 112, 128, 1},
	{"vgg16", 128, 112, 128, 1}, {"vgg11/16", 128, 56, 256, 1}, {"vgg11/16", 256, 56, 256, 1},
	{"vgg11/16", 256, 28, 512, 1}, {"vgg11/16", 512, 28, 512, 1}, {"vgg11/16", 512, 14, 512, 1},
	{"googlenet conv3", 64, 56, 192, 1},
	{"googlenet 3a", 96, 28, 128, 1}, {"googlenet 3a", 16, 28, 32, 1},
	{"googlenet 3b", 128, 28, 192, 1}, {"googlenet 3b", 32, 28, 96, 1},
	{"googlenet 4a", 96, 14, 208, 1}, {"googlenet 4a", 16, 14, 48, 1},
	{"googlenet 4b", 112, 14, 224, 1}, {"googlenet 4b/c", 24, 14, 64, 1},
	{"googlenet 4c", 128, 14, 256, 1}, {"googlenet 4d", 144, 14, 288, 1},
	{"googlenet 4d", 32, 14, 64, 1}, {"googlenet 4e", 160, 14, 320, 1},
	{"googlenet 4e", 32, 14, 128, 1}, {"googlenet 5a", 160, 7, 320, 1},
	{"googlenet 5a", 32, 7, 128, 1}, {"googlenet 5b", 192, 7, 384, 1},
	{"googlenet 5b", 48, 7, 128, 1},
	{"resnet20/56", 3, 32, 16, 4}, {"resnet20/56", 16, 32, 16, 4},
	{"resnet20/56", 32, 16, 32, 4}, {"resnet20/56", 64, 8, 64, 4},
}

// TestWinogradZoo bounds the Winograd error on every 3×3 stride-1 shape
// of the zoo with uniform random inputs and weights in [-1, 1); under
// -short, the sizes are cut to 16×16 at most (the error grows with the
// channels, which stay).
func TestWinogradZoo(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, z := range zooWinograd {
		hw := z.hw
		if testing.Short() {
			hw = min(hw, 16)
		}
		checkWinograd(t, rng, winogradCase{name: z.model, n: z.batch, c: z.c, h: hw, w: hw, o: z.o, pad: 1, bias: true}, 0)
	}
}

// TestWinogradKeep: where the backward keeps the im2col columns, the
// Winograd forward still builds them, equal to im2col's.
func TestWinogradKeep(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	x, w := toF32(randTensor(rng, 3, 4, 7, 6)), toF32(randTensor(rng, 5, 4, 3, 3))
	p := ConvParams{PadH: 1, PadW: 1}
	var want, got []float64
	withWinograd(winogradNever, 0, func() { _, want = convDirect(t, x, w, nil, p, true) })
	withWinograd(winogradAlways, 0, func() { _, got = convDirect(t, x, w, nil, p, true) })
	if len(got) != len(want) || len(want) != 3*4*9*7*6 {
		t.Fatalf("kept %d columns, want %d (im2col: %d)", len(got), 3*4*9*7*6, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("kept column entry %d = %g, want %g", i, got[i], want[i])
		}
	}
}

// TestWinogradGrad: through a graph, with the columns kept or rebuilt,
// the Winograd forward gives the same y, dx and dw as im2col (within
// float32 rounding).
func TestWinogradGrad(t *testing.T) {
	defer func(b int) { keepColsBytes = b }(keepColsBytes)
	rng := rand.New(rand.NewSource(4))
	xs, ws := []int{3, 6, 9, 8}, []int{10, 6, 3, 3}
	x, w, b, dy := toF32(randTensor(rng, xs...)), toF32(randTensor(rng, ws...)), toF32(randTensor(rng, 10)), toF32(randTensor(rng, 3, 10, 9, 8))
	run := func() [][]float64 {
		g := G.NewGraph()
		xn := G.NodeFromAny(g, x, G.WithName("x"))
		wn := G.NodeFromAny(g, w, G.WithName("w"))
		bn := G.NodeFromAny(g, b, G.WithName("b"))
		y, err := Conv2d(xn, wn, bn, ConvParams{PadH: 1, PadW: 1})
		if err != nil {
			t.Fatal(err)
		}
		grads, err := G.Backpropagate(G.Nodes{y}, G.Nodes{G.NodeFromAny(g, dy, G.WithName("dy"))}, G.Nodes{xn, wn, bn})
		if err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		var out [][]float64
		for range 2 { // the second step reuses the scratch
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			out = [][]float64{tValues(y.Value().(*tensor.Dense))}
			for _, d := range grads {
				out = append(out, tValues(d.Value().(*tensor.Dense)))
			}
			vm.Reset()
		}
		return out
	}
	for _, keepBytes := range []int{keepColsBytes, 0} {
		keepColsBytes = keepBytes
		var want, got [][]float64
		withWinograd(winogradNever, 0, func() { want = run() })
		withWinograd(winogradAlways, 0, func() { got = run() })
		for i, name := range []string{"y", "dx", "dw", "db"} {
			tol := 1e-6 // the gradients are im2col's: only y comes from Winograd
			if i == 0 && winograd4Use == winogradAlways {
				tol = winograd4Tol
			}
			if _, rel := convErr(got[i], want[i]); !(rel <= tol) {
				t.Errorf("keep %d bytes: %s differs from im2col's by %.3g relative", keepBytes, name, rel)
			}
		}
	}
}

// TestWinogradNoAlloc: after the first call, a call allocates nothing,
// with the same weights (inference) or new ones (training).
func TestWinogradNoAlloc(t *testing.T) {
	if raceOn {
		t.Skip("allocation counts under -race are not the program's")
	}
	rng := rand.New(rand.NewSource(5))
	x, w, b := toF32(randTensor(rng, 2, 32, 12, 12)), toF32(randTensor(rng, 32, 32, 3, 3)), toF32(randTensor(rng, 32))
	k := &convKernel{p: ConvParams{PadH: 1, PadW: 1}, bias: true}
	out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(2, 32, 12, 12))
	in := []*tensor.Dense{x, w, b}
	withWinograd(winogradAlways, 0, func() {
		if err := k.forward(in, out); err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(5, func() { _ = k.forward(in, out) }); a != 0 {
			t.Errorf("%v allocations per call, want 0", a)
		}
		ws := w.Float32s()
		for range 3 { // to the shared filters, sized on first use
			ws[0] = -ws[0]
			_ = k.forward(in, out)
		}
		if a := testing.AllocsPerRun(5, func() { ws[0] = -ws[0]; _ = k.forward(in, out) }); a != 0 {
			t.Errorf("with new weights every call (training): %v allocations per call, want 0", a)
		}
	})
}

// TestWinogradWeightsChange: a call after the weights changed (a training
// step) uses the new ones, even where only the last weight changed; with
// the same weights, the transform kept from the last call is reused.
func TestWinogradWeightsChange(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	x, w := toF32(randTensor(rng, 2, 8, 9, 9)), toF32(randTensor(rng, 6, 8, 3, 3))
	k := &convKernel{p: ConvParams{PadH: 1, PadW: 1}}
	out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(2, 6, 9, 9))
	ws := w.Float32s()
	withWinograd(winogradAlways, 0, func() {
		for step, change := range []float32{0, 0.5, 0, -2} {
			ws[len(ws)-1] += change
			if err := k.forward([]*tensor.Dense{x, w}, out); err != nil {
				t.Fatal(err)
			}
			var want []float64
			withWinograd(winogradNever, 0, func() { want, _ = convDirect(t, x, w, nil, k.p, false) })
			if _, rel := convErr(tValues(out), want); !(rel <= forcedTol()) {
				t.Fatalf("step %d (last weight changed by %g): error %.3g relative to im2col", step, change, rel)
			}
		}
	})
}

// TestWinogradShared: kernels whose weights change every call share one
// set of transformed filters; two of them, with different shapes,
// running at once in two goroutines, still get their own results (run
// it with -race).
func TestWinogradShared(t *testing.T) {
	type conv struct {
		x, w *tensor.Dense
		k    *convKernel
		out  *tensor.Dense
	}
	rng := rand.New(rand.NewSource(7))
	var convs []*conv
	for _, s := range [][4]int{{2, 16, 20, 24}, {1, 32, 18, 8}} { // n, c, hw, o
		c := &conv{x: toF32(randTensor(rng, s[0], s[1], s[2], s[2])), w: toF32(randTensor(rng, s[3], s[1], 3, 3)),
			k: &convKernel{p: ConvParams{PadH: 1, PadW: 1}}, out: tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s[0], s[3], s[2], s[2]))}
		convs = append(convs, c)
	}
	withWinograd(winogradAlways, 0, func() {
		errs := make(chan error, len(convs))
		for _, c := range convs {
			go func() {
				ws := c.w.Float32s()
				for step := range 6 {
					ws[step] += 0.25
					want, _ := naiveConv(tValues(c.x), tValues(c.w), nil, c.x.Shape(), c.w.Shape(), c.k.p)
					if err := c.k.forward([]*tensor.Dense{c.x, c.w}, c.out); err != nil {
						errs <- err
						return
					}
					if _, rel := convErr(tValues(c.out), want); !(rel <= forcedTol()) {
						errs <- fmt.Errorf("x %v step %d: error %.3g relative to im2col", c.x.Shape(), step, rel)
						return
					}
				}
				errs <- nil
			}()
		}
		for range convs {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
	if convs[0].k.wino.misses < 2 || len(convs[0].k.wino.own.w) != 0 {
		t.Errorf("after 6 calls with new weights: %d misses, %d weights kept; want >= 2 and none (shared filters)",
			convs[0].k.wino.misses, len(convs[0].k.wino.own.w))
	}
}

// TestWinogradDifferentiated: the convolution of a training graph (its
// gradient taken) borrows the shared filters from its first call and
// never keeps a copy of its weights: such copies, with their own packed
// U, raised ResNet-18's peak training memory by ~100 MiB in the first
// steps.
func TestWinogradDifferentiated(t *testing.T) {
	withWinograd(winogradAlways, 0, func() {
		c := newWinogradTrainConv(t, 8)
		c.run("first call")
		if k := &c.k.wino; k.misses < 2 || len(k.own.w) != 0 {
			t.Errorf("after the first call: %d misses, %d weights kept; want >= 2 and none (shared filters)", k.misses, len(k.own.w))
		}
	})
}
