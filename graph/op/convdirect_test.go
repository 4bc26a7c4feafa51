package op

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"
	"gorgonia.org/tensor"
)

// directPaths runs f with the Go kernels, then with the assembly ones
// where the CPU has them.
func directPaths(t *testing.T, f func(t *testing.T)) {
	saved := directKernels
	defer func() { directKernels = saved }()
	directKernels = directGo
	t.Run("go", f)
	if directSIMD {
		directKernels = saved
		t.Run("asm", f)
	}
}

// withDirect runs f with the direct convolution on or off and
// gemm.MaxWorkers set to workers.
func withDirect(on bool, workers int, f func()) {
	defer func(u bool, w int) { directUse, gemm.MaxWorkers = u, w }(directUse, gemm.MaxWorkers)
	directUse, gemm.MaxWorkers = on, workers
	f()
}

var directCases = []struct {
	name   string
	xs, ws []int
	p      ConvParams
	bias   bool
}{
	{"lenet_conv1", []int{3, 1, 28, 28}, []int{6, 1, 5, 5}, ConvParams{PadH: 2, PadW: 2}, true},
	{"lenet_conv2", []int{3, 6, 14, 14}, []int{16, 6, 5, 5}, ConvParams{}, true},
	{"lenet_conv1_batch1", []int{1, 1, 28, 28}, []int{6, 1, 5, 5}, ConvParams{PadH: 2, PadW: 2}, true},
	{"lenet_conv2_batch1", []int{1, 6, 14, 14}, []int{16, 6, 5, 5}, ConvParams{}, false},
	{"pad_uneven", []int{2, 3, 9, 17}, []int{5, 3, 5, 7}, ConvParams{PadH: 1, PadW: 3}, true},
	{"width_eq_block8", []int{2, 2, 16, 16}, []int{8, 2, 5, 5}, ConvParams{}, true},
	{"width_eq_block16", []int{2, 2, 8, 10}, []int{9, 2, 5, 5}, ConvParams{}, false},
	{"one_channel_out", []int{2, 4, 7, 20}, []int{1, 4, 5, 5}, ConvParams{PadH: 2}, true},
	{"7x7", []int{2, 3, 19, 13}, []int{16, 3, 7, 7}, ConvParams{PadH: 3, PadW: 3}, true},
	{"8x14_overlap", []int{2, 2, 31, 27}, []int{7, 2, 5, 5}, ConvParams{PadW: 2}, true},
	{"few_channels_on_16", []int{2, 2, 15, 15}, []int{6, 2, 5, 5}, ConvParams{}, true},
}

// TestDirectSlot: the kernel that computes the fewest values per row.
func TestDirectSlot(t *testing.T) {
	for _, c := range []struct {
		outC, ow, slot int
	}{
		{6, 28, 1},  // LeNet-5's conv1: two blocks of 14
		{16, 10, 2}, // conv2: two blocks of 5 on 16 lanes
		{16, 12, 3}, // two of 6 against three of 5
		{8, 12, 0},  // one block of 12
		{5, 17, 0},  // 24 on 8x12, 28 on 8x14
		{7, 27, 1},  // 36 against 28
		{6, 11, 3},  // too narrow for 8 lanes: 12 on 16x6, 15 on 16x5
		{6, 5, 2},   // one block of 5
		{6, 4, -1},  // too narrow for any
		{17, 40, -1},
	} {
		g := convGeom{outC: c.outC, ow: c.ow}
		if got := directSlot(&g); got != c.slot {
			t.Errorf("%d channels, rows of %d: slot %d, want %d", c.outC, c.ow, got, c.slot)
		}
	}
}

// TestConv2dDirect compares the direct convolution with im2col + GEMM
// and with float64 arithmetic on the same float32 inputs, on LeNet-5's
// shapes and odd ones (padding, uneven widths, rows exactly one block
// wide, batch 1), on one worker and two, with the Go and the assembly
// kernels.
func TestConv2dDirect(t *testing.T) {
	directPaths(t, func(t *testing.T) {
		for i, c := range directCases {
			for _, workers := range []int{1, 2} {
				t.Run(fmt.Sprintf("%s/w%d", c.name, workers), func(t *testing.T) {
					rng := rand.New(rand.NewSource(int64(i)))
					x, w := toF32(randTensor(rng, c.xs...)), toF32(randTensor(rng, c.ws...))
					var b *tensor.Dense
					var bv []float64
					if c.bias {
						b = toF32(randTensor(rng, c.ws[0]))
						bv = tValues(b)
					}
					k := &convKernel{p: c.p, bias: c.bias}
					k.g = newConvGeom(c.xs[1], c.xs[2], c.xs[3], c.ws[0], c.ws[2], c.ws[3], c.p)
					if !k.useDirect() {
						t.Fatalf("the direct convolution is not chosen for x %v w %v %+v", c.xs, c.ws, c.p)
					}
					// float64 arithmetic on the float32 inputs
					want, _ := naiveConv(tValues(x), tValues(w), bv, c.xs, c.ws, c.p)
					var got, gemmOut []float64
					withDirect(true, workers, func() { got, _ = convDirect(t, x, w, b, c.p, false) })
					withDirect(false, workers, func() { gemmOut, _ = convDirect(t, x, w, b, c.p, false) })
					_, dr := convErr(got, want)
					_, gr := convErr(gemmOut, want)
					if !(dr <= 1e-6) {
						t.Errorf("direct: error %.3g relative to the largest output, want <= 1e-6 (im2col+GEMM: %.3g)", dr, gr)
					}
					if _, r := convErr(got, gemmOut); !(r <= 1e-6) {
						t.Errorf("direct differs from im2col+GEMM by %.3g relative", r)
					}
					// With a fused ReLU (the bias an input of the fusion, not
					// of the convolution): max(·, 0) of the same.
					kf := &convKernel{p: c.p}
					out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(kf.outShapeOf(t, x, w)...))
					withDirect(true, workers, func() {
						if done, err := kf.forwardDirectFused([]*tensor.Dense{x, w}, out, b, true, nil); !done || err != nil {
							t.Fatalf("forwardDirectFused: done %t, %v", done, err)
						}
					})
					relu := make([]float64, len(want))
					for i, v := range want {
						relu[i] = max(v, 0)
					}
					if _, r := convErr(tValues(out), relu); !(r <= 1e-6) {
						t.Errorf("direct with ReLU: error %.3g relative to the largest output, want <= 1e-6", r)
					}
				})
			}
		}
	})
}

// outShapeOf is the output shape of k for x and w.
func (k *convKernel) outShapeOf(t *testing.T, x, w *tensor.Dense) tensor.Shape {
	t.Helper()
	s, err := k.outShape([]tensor.Shape{x.Shape(), w.Shape()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDirectKernelsSpecialValues: the assembly kernels give the Go
// kernels' bits where the input holds NaNs, infinities and values that
// sum to -0, with and without the ReLU (a NaN becomes Go's NaN, -0 +0).
func TestDirectKernelsSpecialValues(t *testing.T) {
	if !directSIMD {
		t.Skip("no assembly kernels on this CPU")
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for slot, sh := range directShapes {
		const nk = 3
		x := make([]float32, 2*sh.px+nk)
		for i := range x {
			x[i] = -float32(i%3 + 1)
		}
		x[1], x[4], x[sh.px+2] = nan, inf, -inf
		w := make([]float32, nk*sh.lanes)
		for i := range w {
			w[i] = float32(i%3) - 1
			if i%sh.lanes == 0 {
				w[i] = 0 // channel 0: -0 + 0·(x < 0) = -0 where x is finite
			}
		}
		bias := make([]float32, sh.lanes)
		for i := range bias {
			bias[i] = float32(math.Copysign(0, -1)) // -0: a zero sum keeps it
		}
		offs := []int32{0, 1, int32(sh.px)}
		for _, relu := range []int{0, 1} {
			want := make([]float32, sh.lanes*sh.px)
			got := make([]float32, sh.lanes*sh.px)
			directConvGo(sh.lanes, sh.px, &x[0], &offs[0], nk, &w[0], &bias[0], &want[0], sh.px, sh.lanes, relu)
			directKernels[slot](&x[0], &offs[0], nk, &w[0], &bias[0], &got[0], sh.px, sh.lanes, relu)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Errorf("kernel %dx%d relu %d: out[%d] = %v (%#x), Go kernel %v (%#x)", sh.lanes, sh.px, relu, i,
						got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
			}
		}
	}
}

// TestConv2dDirectNotChosen: strides, dilations, kernels under 5×5,
// more than 16 output channels, rows narrower than a block, 1×1, and a
// forward that keeps its columns take im2col + GEMM.
func TestConv2dDirectNotChosen(t *testing.T) {
	for _, c := range []struct {
		name   string
		xs, ws []int
		p      ConvParams
		keep   bool
	}{
		{"stride2", []int{1, 1, 28, 28}, []int{6, 1, 5, 5}, ConvParams{StrideW: 2}, false},
		{"dilation2", []int{1, 1, 28, 28}, []int{6, 1, 5, 5}, ConvParams{DilationH: 2}, false},
		{"3x3", []int{1, 1, 28, 28}, []int{6, 1, 3, 3}, ConvParams{}, false},
		{"17_out", []int{1, 6, 14, 14}, []int{17, 6, 5, 5}, ConvParams{}, false},
		{"narrow", []int{1, 1, 8, 8}, []int{6, 1, 5, 5}, ConvParams{}, false},
		{"narrow16", []int{1, 6, 8, 8}, []int{16, 6, 5, 5}, ConvParams{}, false},
		{"kept", []int{1, 6, 14, 14}, []int{16, 6, 5, 5}, ConvParams{}, true},
	} {
		k := &convKernel{p: c.p, keep: c.keep}
		k.g = newConvGeom(c.xs[1], c.xs[2], c.xs[3], c.ws[0], c.ws[2], c.ws[3], c.p)
		if k.useDirect() {
			t.Errorf("%s: the direct convolution is chosen for x %v w %v %+v keep %t", c.name, c.xs, c.ws, c.p, c.keep)
		}
	}
}

// TestConv2dDirectNoAlloc: after the first call, the direct forward
// allocates nothing, at batch 1 (rows split over the workers) and above.
func TestConv2dDirectNoAlloc(t *testing.T) {
	if raceOn {
		t.Skip("allocation counts under -race are not the program's")
	}
	rng := rand.New(rand.NewSource(7))
	for _, n := range []int{1, 4} {
		x, w, b := toF32(randTensor(rng, n, 1, 28, 28)), toF32(randTensor(rng, 6, 1, 5, 5)), toF32(randTensor(rng, 6))
		k := &convKernel{p: ConvParams{PadH: 2, PadW: 2}, bias: true}
		out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(n, 6, 28, 28))
		in := []*tensor.Dense{x, w, b}
		if err := k.forward(in, out); err != nil {
			t.Fatal(err)
		}
		if !k.useDirect() {
			t.Fatal("the direct convolution is not chosen")
		}
		if a := testing.AllocsPerRun(5, func() { _ = k.forward(in, out) }); a != 0 {
			t.Errorf("batch %d: %v allocations per call, want 0", n, a)
		}
	}
}

// BenchmarkConv2dDirect times LeNet-5's two convolutions (with bias) at
// batch 64 on one worker, direct and as im2col + GEMM.
func BenchmarkConv2dDirect(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, c := range directCases[:2] {
		x, w, bias := toF32(randTensor(rng, append([]int{64}, c.xs[1:]...)...)), toF32(randTensor(rng, c.ws...)), toF32(randTensor(rng, c.ws[0]))
		k := &convKernel{p: c.p, bias: true}
		s, err := k.outShape([]tensor.Shape{x.Shape(), w.Shape(), bias.Shape()})
		if err != nil {
			b.Fatal(err)
		}
		out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s...))
		in := []*tensor.Dense{x, w, bias}
		for _, direct := range []bool{true, false} {
			b.Run(fmt.Sprintf("%s/direct=%t", c.name, direct), func(b *testing.B) {
				withDirect(direct, 1, func() {
					for b.Loop() {
						if err := k.forward(in, out); err != nil {
							b.Fatal(err)
						}
					}
				})
			})
		}
	}
}

// TestDirectKernelsNaNPayload: a NaN input with a payload of its own
// goes through both kernels to the same bits: its own without the
// ReLU, 0x7fc00000 (vec's NaN) through it.
func TestDirectKernelsNaNPayload(t *testing.T) {
	payload := math.Float32frombits(0x7fc00123)
	for slot, sh := range directShapes {
		const nk = 3
		x := make([]float32, 2*sh.px+nk)
		for i := range x {
			x[i] = float32(i%5) - 1.875
		}
		x[sh.px-1] = payload // taps 0 and 1 of pixels px-1 and px-2
		w := make([]float32, nk*sh.lanes)
		for i := range w {
			w[i] = float32(i%7) - 3.125
		}
		bias := make([]float32, sh.lanes)
		offs := []int32{0, 1, int32(sh.px)}
		for _, relu := range []int{0, 1} {
			kernels := map[string]directKernel{"go": directGo[slot]}
			if directSIMD {
				kernels["asm"] = directKernels[slot]
			}
			for name, kern := range kernels {
				got := make([]float32, sh.lanes*sh.px)
				kern(&x[0], &offs[0], nk, &w[0], &bias[0], &got[0], sh.px, sh.lanes, relu)
				for o := range sh.lanes {
					for p := sh.px - 2; p < sh.px; p++ {
						want := uint32(0x7fc00123)
						if relu != 0 {
							want = 0x7fc00000
						}
						if b := math.Float32bits(got[o*sh.px+p]); b != want {
							t.Errorf("%s kernel %dx%d relu %d: channel %d pixel %d: %#x, want %#x", name, sh.lanes, sh.px, relu, o, p, b, want)
						}
					}
				}
			}
		}
	}
}
