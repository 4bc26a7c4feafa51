package op

import (
	"fmt"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// withXGrad runs f with useWinogradXGrad forced to mode.
func withXGrad(mode winogradMode, f func()) {
	defer func(m winogradMode) { winogradXGradUse = m }(winogradXGradUse)
	winogradXGradUse = mode
	f()
}

// xgradDirect runs the data-gradient kernel of a convolution of x (xs)
// with w, padding p, on dy, of w's dtype, and returns dX as float64.
func xgradDirect(t testing.TB, xs tensor.Shape, w, dy *tensor.Dense, p ConvParams) []float64 {
	t.Helper()
	k := &convXGrad{fw: &convKernel{p: p}, xShape: xs}
	os, err := k.outShape([]tensor.Shape{w.Shape(), dy.Shape()})
	if err != nil {
		t.Fatal(err)
	}
	out := tensor.New(tensor.Of(w.Dtype()), tensor.WithShape(os...))
	if err := k.forward([]*tensor.Dense{w, dy}, out); err != nil {
		t.Fatal(err)
	}
	return tValues(out)
}

// checkXGrad compares the Winograd data gradient of case c against the
// float64 im2col one (float64 arithmetic on the same float32 inputs) and
// logs its error beside float32 im2col's; c.o is dy's channels.
func checkXGrad(t *testing.T, rng *rand.Rand, c winogradCase, ph, pw, workers int) {
	t.Helper()
	p := ConvParams{PadH: ph, PadW: pw}
	g := newConvGeom(c.c, c.h, c.w, c.o, 3, 3, p)
	xs := tensor.Shape{c.n, c.c, c.h, c.w}
	w, dy := toF32(randTensor(rng, c.o, c.c, 3, 3)), toF32(randTensor(rng, c.n, c.o, g.oh, g.ow))
	want := xgradDirect(t, xs, tFill(tensor.Float64, tValues(w), w.Shape()...), tFill(tensor.Float64, tValues(dy), dy.Shape()...), p)
	var direct, got []float64
	withWinograd(winogradAuto, workers, func() {
		withXGrad(winogradNever, func() { direct = xgradDirect(t, xs, w, dy, p) })
		withXGrad(winogradAlways, func() { got = xgradDirect(t, xs, w, dy, p) })
	})
	da, dr := convErr(direct, want)
	wa, wr := convErr(got, want)
	gx := xgradGeom(&g)
	tile, tol := xgradTile(&gx), winogradTol
	if tile == 4 {
		tol = winograd4Tol
	}
	t.Logf("%-22s x %v w %v pad %d,%d: im2col f32 abs %.2e rel %.2e | winograd F(%d×%d) abs %.2e rel %.2e",
		c.name, xs, w.Shape(), ph, pw, da, dr, tile, tile, wa, wr)
	if !(wr <= tol) {
		t.Errorf("%s x %v pad %d,%d: Winograd F(%d×%d) dX error %.3g relative to the largest, want <= %g (im2col float32: %.3g)",
			c.name, xs, ph, pw, tile, tile, wr, tol, dr)
	}
}

// TestWinogradXGradZoo bounds the Winograd data gradient's error on
// every 3×3 stride-1 shape of the zoo (as TestWinogradZoo), at the
// training batches of the benchmarks where they are small (ResNet-20 at
// 64, under -short at 4; the sizes cut to 16×16 under -short).
func TestWinogradXGradZoo(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	for _, z := range zooWinograd {
		hw, n := z.hw, z.batch
		if testing.Short() {
			hw = min(hw, 16)
		} else if n > 1 {
			n = 64
		}
		checkXGrad(t, rng, winogradCase{name: z.model, n: n, c: z.c, h: hw, w: hw, o: z.o}, 1, 1, 0)
	}
}

// TestWinogradXGradOdd: sizes that are not multiples of the 2×2 tile
// (tiles cut at the edge), padding 0 to 2 on each axis apart, batch 1
// and 3, one worker and two, with the assembly transforms and without.
func TestWinogradXGradOdd(t *testing.T) {
	rng := rand.New(rand.NewSource(22))
	eachWinogradSetting(t, func(simd bool, workers int) {
		for _, pad := range [][2]int{{0, 0}, {1, 1}, {2, 2}, {0, 2}, {2, 1}} {
			for _, s := range [][2]int{{3, 3}, {5, 7}, {8, 9}, {11, 4}, {6, 37}, {9, 40}} {
				for _, n := range []int{1, 3} {
					c := winogradCase{name: fmt.Sprintf("odd/simd=%t/w%d", simd, workers), n: n, c: 5, h: s[0], w: s[1], o: 7}
					checkXGrad(t, rng, c, pad[0], pad[1], workers)
				}
			}
		}
	})
}

// TestWinograd4XGrad runs the data gradient's error tests on the
// F(4×4) path (forced; automatic only where winograd4Small holds: 16
// channels at most with rows of 8 tiles or more, 32 at most 16 wide).
func TestWinograd4XGrad(t *testing.T) {
	with4(winogradAlways, func() {
		t.Run("zoo", TestWinogradXGradZoo)
		t.Run("odd", TestWinogradXGradOdd)
	})
}

// eachWinogradSetting runs f with the scalar transforms and, where the
// CPU has them, the assembly ones, each with one worker and two.
func eachWinogradSetting(t *testing.T, f func(simd bool, workers int)) {
	defer func(s bool) { winogradSIMD = s }(winogradSIMD)
	for _, simd := range []bool{false, true} {
		if simd && !hasWinogradSIMD {
			t.Log("no assembly transforms on this CPU")
			continue
		}
		winogradSIMD = simd
		for _, workers := range []int{1, 2} {
			f(simd, workers)
		}
	}
}

// TestWinogradXGradFallback: padding above 2 (not a convolution of dy
// over x's size), and strides or kernels other than 3×3 stride 1, keep
// the im2col path even when Winograd is forced.
func TestWinogradXGradFallback(t *testing.T) {
	withXGrad(winogradAlways, func() {
		for _, c := range []struct {
			kh int
			p  ConvParams
		}{{3, ConvParams{PadH: 3, PadW: 1}}, {3, ConvParams{PadH: 1, PadW: 1, StrideH: 2, StrideW: 2}}, {5, ConvParams{PadH: 2, PadW: 2}},
			{3, ConvParams{PadH: 2, PadW: 2, DilationH: 2, DilationW: 2}}} {
			g := newConvGeom(4, 9, 9, 4, c.kh, c.kh, c.p)
			if _, ok := useWinogradXGrad(&g, 2); ok {
				t.Errorf("kernel %d %+v takes the Winograd data gradient", c.kh, c.p)
			}
		}
		g := newConvGeom(4, 9, 9, 4, 3, 3, ConvParams{PadH: 2})
		if gx, ok := useWinogradXGrad(&g, 2); !ok || gx.oh != 9 || gx.ow != 9 || gx.c != 4 || gx.ph != 0 || gx.pw != 2 {
			t.Errorf("pad 2,0: %t with geometry %+v, want the Winograd path, 9×9 out, padding 0,2", ok, gx)
		}
	})
}

// TestWinogradRules: the automatic choices on ResNet training shapes
// (padding 1), as measured in useWinogradXGrad's and winogradWithCols'
// tables; forced modes override both.
func TestWinogradRules(t *testing.T) {
	for _, c := range []struct {
		n, c, hw, o  int
		xgrad, withC bool
	}{
		{64, 16, 32, 16, true, true}, {64, 32, 16, 32, true, true}, {64, 64, 8, 64, true, false},
		{8, 64, 56, 64, true, true}, {8, 256, 14, 256, true, false}, {8, 512, 7, 512, false, false},
		{64, 3, 32, 16, false, true}, // ResNet-20's first convolution: 3 channels of x
	} {
		g := newConvGeom(c.c, c.hw, c.hw, c.o, 3, 3, ConvParams{PadH: 1, PadW: 1})
		if _, ok := useWinogradXGrad(&g, c.n); ok != c.xgrad {
			t.Errorf("%d/%d/%d/%d: Winograd data gradient %t, want %t", c.n, c.c, c.hw, c.o, ok, c.xgrad)
		}
		if ok := winogradWithCols(&g); ok != c.withC {
			t.Errorf("%d/%d/%d/%d: Winograd with kept columns %t, want %t", c.n, c.c, c.hw, c.o, ok, c.withC)
		}
		withXGrad(winogradAlways, func() {
			if _, ok := useWinogradXGrad(&g, c.n); !ok {
				t.Errorf("%d/%d/%d/%d: forced Winograd data gradient not taken", c.n, c.c, c.hw, c.o)
			}
		})
		withWinograd(winogradAlways, 0, func() {
			if !winogradWithCols(&g) {
				t.Errorf("%d/%d/%d/%d: forced Winograd with kept columns not taken", c.n, c.c, c.hw, c.o)
			}
		})
	}
}

// TestWinogradXGradF32Grads: on a shape the automatic rules send to the
// Winograd data gradient (256 tiles, 16 channels), the float32 gradients
// through a graph agree with float64 ones (checkConvF32Grads).
func TestWinogradXGradF32Grads(t *testing.T) {
	xs, ws, p := []int{4, 16, 16, 16}, []int{16, 16, 3, 3}, ConvParams{PadH: 1, PadW: 1}
	g := newConvGeom(xs[1], xs[2], xs[3], ws[0], 3, 3, p)
	if _, ok := useWinogradXGrad(&g, xs[0]); !ok {
		t.Fatalf("x %v, w %v: not on the Winograd data gradient", xs, ws)
	}
	checkConvF32Grads(t, xs, ws, p)
}

// TestWinogradXGradFiniteDiff: the Winograd data gradient of the cost
// sum(conv(x, w) ⊙ dy) against central differences of that cost in
// float64 over every element of x (the cost is linear in x: the
// differences are exact but for rounding), batch 2, an odd size.
func TestWinogradXGradFiniteDiff(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	xs, p := tensor.Shape{2, 3, 5, 7}, ConvParams{PadH: 1, PadW: 1}
	x, w := tValues(toF32(randTensor(rng, xs...))), toF32(randTensor(rng, 4, 3, 3, 3))
	dy := toF32(randTensor(rng, 2, 4, 5, 7))
	var got []float64
	withXGrad(winogradAlways, func() { got = xgradDirect(t, xs, w, dy, p) })
	w64, dyv := tValues(w), tValues(dy)
	cost := func(x []float64) float64 {
		y, _ := naiveConv(x, w64, nil, xs, w.Shape(), p)
		s := 0.0
		for i, v := range y {
			s += v * dyv[i]
		}
		return s
	}
	const h = 1e-3
	num := make([]float64, len(x))
	for i := range x {
		v := x[i]
		x[i] = v + h
		up := cost(x)
		x[i] = v - h
		num[i] = (up - cost(x)) / (2 * h)
		x[i] = v
	}
	if _, rel := convErr(got, num); !(rel <= winogradTol) {
		t.Errorf("Winograd dX differs from central differences by %.3g relative, want <= %g", rel, winogradTol)
	}
}

// TestWinogradXGradGraph: through a training graph whose weights change
// between steps, the data gradient on the Winograd path equals the
// im2col one at every step, and the forward kernel's buffers it borrows
// are back with it after each call, none left with the data gradient.
func TestWinogradXGradGraph(t *testing.T) {
	rng := rand.New(rand.NewSource(24))
	x, w, dy := toF32(randTensor(rng, 3, 16, 10, 9)), toF32(randTensor(rng, 20, 16, 3, 3)), toF32(randTensor(rng, 3, 20, 10, 9))
	run := func() [][]float64 {
		ws := append([]float32(nil), w.Float32s()...)
		g := G.NewGraph()
		xn := G.NodeFromAny(g, x, G.WithName("x"))
		wn := G.NodeFromAny(g, tensor.New(tensor.WithShape(w.Shape()...), tensor.WithBacking(ws)), G.WithName("w"))
		y, err := Conv2d(xn, wn, nil, ConvParams{PadH: 1, PadW: 1})
		if err != nil {
			t.Fatal(err)
		}
		grads, err := G.Backpropagate(G.Nodes{y}, G.Nodes{G.NodeFromAny(g, dy, G.WithName("dy"))}, G.Nodes{xn, wn})
		if err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		var out [][]float64
		for step := range 3 {
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			out = append(out, tValues(grads[0].Value().(*tensor.Dense)))
			xk := grads[0].Op().(*customOp).k.(*convXGrad)
			if xk.wino.v != nil || xk.wino.m != nil || xk.wino.strip != nil || xk.fw.wino.v == nil {
				t.Fatalf("step %d: the data gradient kept the forward's buffers", step)
			}
			vm.Reset()
			for i := range ws { // an optimizer step
				ws[i] *= 0.9
			}
		}
		return out
	}
	var want, got [][]float64
	withWinograd(winogradAlways, 0, func() {
		withXGrad(winogradNever, func() { want = run() })
		withXGrad(winogradAlways, func() { got = run() })
	})
	for step := range want {
		if _, rel := convErr(got[step], want[step]); !(rel <= winogradTol) {
			t.Errorf("step %d: Winograd dX differs from im2col's by %.3g relative", step, rel)
		}
	}
}

// TestWinogradXGradNoAlloc: after the first call, a data gradient on the
// Winograd path allocates nothing.
func TestWinogradXGradNoAlloc(t *testing.T) {
	if raceOn {
		t.Skip("allocation counts under -race are not the program's")
	}
	rng := rand.New(rand.NewSource(25))
	w, dy := toF32(randTensor(rng, 32, 24, 3, 3)), toF32(randTensor(rng, 2, 32, 12, 12))
	k := &convXGrad{fw: &convKernel{p: ConvParams{PadH: 1, PadW: 1}}, xShape: tensor.Shape{2, 24, 12, 12}}
	out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(2, 24, 12, 12))
	in := []*tensor.Dense{w, dy}
	withXGrad(winogradAlways, func() {
		if err := k.forward(in, out); err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(5, func() { _ = k.forward(in, out) }); a != 0 {
			t.Errorf("%v allocations per call, want 0", a)
		}
	})
}

// TestWinogradXGradShared: a data gradient and a training forward of
// another shape, running at once in two goroutines, share the
// transformed filters' buffers and still get their own results (run it
// with -race).
func TestWinogradXGradShared(t *testing.T) {
	rng := rand.New(rand.NewSource(26))
	p := ConvParams{PadH: 1, PadW: 1}
	fx, fw := toF32(randTensor(rng, 2, 16, 14, 14)), toF32(randTensor(rng, 24, 16, 3, 3))
	fk := &convKernel{p: p}
	fk.wino.differentiated()
	fout := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(2, 24, 14, 14))
	xs := tensor.Shape{1, 32, 9, 11}
	xw, xdy := toF32(randTensor(rng, 8, 32, 3, 3)), toF32(randTensor(rng, 1, 8, 9, 11))
	var wantX []float64
	withXGrad(winogradNever, func() { wantX = xgradDirect(t, xs, xw, xdy, p) })
	xk := &convXGrad{fw: &convKernel{p: p}, xShape: xs}
	xout := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(xs...))
	withWinograd(winogradAlways, 0, func() {
		withXGrad(winogradAlways, func() {
			errs := make(chan error, 2)
			run := func(call func(step int) error) { // 6 steps in a goroutine
				go func() {
					for step := range 6 {
						if err := call(step); err != nil {
							errs <- err
							return
						}
					}
					errs <- nil
				}()
			}
			ws := fw.Float32s()
			run(func(step int) error {
				ws[step] += 0.25
				want, _ := naiveConv(tValues(fx), tValues(fw), nil, fx.Shape(), fw.Shape(), p)
				if err := fk.forward([]*tensor.Dense{fx, fw}, fout); err != nil {
					return err
				}
				if _, rel := convErr(tValues(fout), want); !(rel <= winogradTol) {
					return fmt.Errorf("forward step %d: error %.3g relative to the direct result", step, rel)
				}
				return nil
			})
			run(func(step int) error {
				if err := xk.forward([]*tensor.Dense{xw, xdy}, xout); err != nil {
					return err
				}
				if _, rel := convErr(tValues(xout), wantX); !(rel <= winogradTol) {
					return fmt.Errorf("data gradient step %d: error %.3g relative to im2col", step, rel)
				}
				return nil
			})
			for range 2 {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
		})
	})
}

// benchTrainingPaths times a kernel on the Winograd path and on the
// other (forced by set), in the same run: sub-benchmarks shape/winograd
// and shape/im2col. newCall returns one call of a fresh kernel; after
// one untimed call that sizes the scratch, ws[0] is negated before each
// (a training step: new weights). It reports the CPU time of a call
// too, steadier than wall time on a shared machine.
func benchTrainingPaths(b *testing.B, shape string, set func(winogradMode, func()), ws []float32, newCall func() func() error) {
	for _, path := range []struct {
		name string
		mode winogradMode
	}{{"winograd", winogradAlways}, {"im2col", winogradNever}} {
		b.Run(shape+"/"+path.name, func(b *testing.B) {
			call := newCall()
			set(path.mode, func() {
				if err := call(); err != nil {
					b.Fatal(err)
				}
				cpu0 := cpuTime()
				for b.Loop() {
					ws[0] = -ws[0]
					if err := call(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
			})
		})
	}
}

// forcedWinograd forces the forward's Winograd choice (withWinograd, all
// workers).
func forcedWinograd(m winogradMode, f func()) { withWinograd(m, 0, f) }

// BenchmarkConvXGrad times the float32 data-gradient kernel of ResNet
// 3×3 stride-1 convolutions (padding 1) at their training batches on the
// Winograd path and on GEMM+col2im: name batch/channels in/size/channels
// out/path.
func BenchmarkConvXGrad(b *testing.B) {
	for _, s := range []struct{ n, c, hw, o int }{
		{64, 16, 32, 16}, {64, 32, 16, 32}, {64, 64, 8, 64}, // resnet20 b64
		{8, 64, 56, 64}, {8, 128, 28, 128}, {8, 256, 14, 256}, {8, 512, 7, 512}, // resnet18 b8
	} {
		rng := rand.New(rand.NewSource(1))
		w, dy := toF32(randTensor(rng, s.o, s.c, 3, 3)), toF32(randTensor(rng, s.n, s.o, s.hw, s.hw))
		out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s.n, s.c, s.hw, s.hw))
		newCall := func() func() error {
			k := &convXGrad{fw: &convKernel{p: ConvParams{PadH: 1, PadW: 1}}, xShape: tensor.Shape{s.n, s.c, s.hw, s.hw}}
			return func() error { return k.forward([]*tensor.Dense{w, dy}, out) }
		}
		shape := fmt.Sprintf("%d/%d/%d/%d", s.n, s.c, s.hw, s.o)
		benchTrainingPaths(b, shape, withXGrad, w.Float32s(), newCall)
		g := newConvGeom(s.o, s.hw, s.hw, s.c, 3, 3, ConvParams{PadH: 1, PadW: 1})
		if xgradTile(&g) == 4 { // the same on F(2×2), forced
			with4(winogradNever, func() { benchTrainingPaths(b, shape+"/f2", withXGrad, w.Float32s(), newCall) })
		}
	}
}

// BenchmarkConvKeepForward times the float32 training forward of
// ResNet-20's 3×3 convolutions at batch 64, which keep their im2col
// columns for the weight gradient (keepCols): Winograd plus the columns
// against the GEMM on the columns.
func BenchmarkConvKeepForward(b *testing.B) {
	for _, s := range []struct{ n, c, hw, o int }{{64, 16, 32, 16}, {64, 32, 16, 32}, {64, 64, 8, 64}} {
		rng := rand.New(rand.NewSource(1))
		x, w := toF32(randTensor(rng, s.n, s.c, s.hw, s.hw)), toF32(randTensor(rng, s.o, s.c, 3, 3))
		out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s.n, s.o, s.hw, s.hw))
		benchTrainingPaths(b, fmt.Sprintf("%d/%d/%d/%d", s.n, s.c, s.hw, s.o), forcedWinograd, w.Float32s(), func() func() error {
			k := &convKernel{p: ConvParams{PadH: 1, PadW: 1}, keep: true}
			k.wino.differentiated()
			return func() error { return k.forward([]*tensor.Dense{x, w}, out) }
		})
	}
}
