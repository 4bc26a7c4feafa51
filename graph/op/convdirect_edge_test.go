package op

import (
	"fmt"
	"math"
	"math/rand"
	"sync/atomic"
	"testing"

	"gorgonia.org/tensor"
)

// guarded returns n values (fill) inside a buffer of n + 2·pad values
// whose pad values on each side are guard: a kernel that reads past
// the slice reads the guard, one that writes past it changes it.
func guarded(n, pad int, fill, guard float32) (s, buf []float32) {
	buf = make([]float32, n+2*pad)
	for i := range buf {
		buf[i] = guard
	}
	s = buf[pad : pad+n : pad+n]
	for i := range s {
		s[i] = fill
	}
	return s, buf
}

// guardsIntact reports the first guard value of buf (around n values)
// that is not guard's bits, -1 for none.
func guardsIntact(buf []float32, n, pad int, guard float32) int {
	for i, v := range buf {
		if (i < pad || i >= pad+n) && math.Float32bits(v) != math.Float32bits(guard) {
			return i
		}
	}
	return -1
}

// TestConv2dDirectEdges: the direct convolution on edge shapes (padding
// past the kernel's reach, an input smaller than the kernel, 7×7, 11×11,
// 1×25, 25×1 and rectangular kernels, a single output row, rows exactly
// one or two blocks wide or one past, 1 to 16 output channels, batch 1
// and above) against the float64 definition, with its input, its
// padded copy's buffer and its output inside NaN guards: a read past
// any of them makes a NaN in the output, a write past the output
// changes the guard, and an output never written stays NaN.
func TestConv2dDirectEdges(t *testing.T) {
	type edge struct {
		name   string
		xs, ws []int
		p      ConvParams
	}
	cases := []edge{
		{"pad_past_reach", []int{2, 2, 3, 4}, []int{4, 2, 5, 5}, ConvParams{PadH: 6, PadW: 7}},
		{"input_under_kernel", []int{1, 1, 3, 6}, []int{6, 1, 5, 5}, ConvParams{PadH: 2, PadW: 2}},
		{"11x7", []int{2, 2, 13, 20}, []int{3, 2, 11, 7}, ConvParams{PadH: 1}},
		{"11x11_one_row", []int{1, 3, 11, 16}, []int{16, 3, 11, 11}, ConvParams{}},
		{"1x25", []int{2, 1, 3, 40}, []int{4, 1, 1, 25}, ConvParams{}},
		{"25x1", []int{1, 2, 30, 6}, []int{2, 2, 25, 1}, ConvParams{}},
		{"5x9", []int{3, 1, 9, 9}, []int{12, 1, 5, 9}, ConvParams{PadW: 2}},
		{"7x7_pad3", []int{1, 2, 7, 12}, []int{10, 2, 7, 7}, ConvParams{PadH: 3, PadW: 3}},
	}
	for outC := 1; outC <= 16; outC++ {
		for _, ow := range []int{5, 6, 7, 12, 13, 14, 15, 24, 28, 29} {
			cases = append(cases, edge{fmt.Sprintf("out%d_ow%d", outC, ow), []int{1 + ow%2, 1, 6, ow + 4}, []int{outC, 1, 5, 5}, ConvParams{}})
		}
	}
	nan := float32(math.NaN())
	const pad = 64 // more than a block's reach past a row (16 pixels)
	directPaths(t, func(t *testing.T) {
		for i, c := range cases {
			for _, workers := range []int{1, 2} {
				rng := rand.New(rand.NewSource(int64(i)))
				xv, wv, bv := tValues(randTensor(rng, c.xs...)), tValues(randTensor(rng, c.ws...)), tValues(randTensor(rng, c.ws[0]))
				xs, xbuf := guarded(len(xv), pad, 0, nan)
				for j, v := range xv {
					xs[j] = float32(v)
					xv[j] = float64(xs[j])
				}
				w32, b32 := make([]float32, len(wv)), make([]float32, len(bv))
				for j, v := range wv {
					w32[j] = float32(v)
					wv[j] = float64(w32[j])
				}
				for j, v := range bv {
					b32[j] = float32(v)
					bv[j] = float64(b32[j])
				}
				want, os := naiveConv(xv, wv, bv, c.xs, c.ws, c.p)
				k := &convKernel{p: c.p, bias: true}
				k.g = newConvGeom(c.xs[1], c.xs[2], c.xs[3], c.ws[0], c.ws[2], c.ws[3], c.p)
				if !k.useDirect() {
					t.Fatalf("%s: the direct convolution is not chosen for x %v w %v %+v", c.name, c.xs, c.ws, c.p)
				}
				// The padded copies' buffers: NaN past what they hold.
				for range 2 {
					k.s32.own = append(k.s32.own, make([]float32, 0, 1<<14))
				}
				for _, b := range k.s32.own {
					for j := range b[:cap(b)] {
						b[:cap(b)][j] = nan
					}
				}
				outs, obuf := guarded(len(want), pad, nan, -7)
				x := tensor.New(tensor.WithShape(c.xs...), tensor.WithBacking(xs))
				in := []*tensor.Dense{x, tensor.New(tensor.WithShape(c.ws...), tensor.WithBacking(w32)), tensor.New(tensor.WithShape(c.ws[0]), tensor.WithBacking(b32))}
				out := tensor.New(tensor.WithShape(os...), tensor.WithBacking(outs))
				withDirect(true, workers, func() {
					if err := k.forward(in, out); err != nil {
						t.Fatalf("%s: %v", c.name, err)
					}
				})
				got := make([]float64, len(outs))
				for j, v := range outs {
					got[j] = float64(v)
				}
				if _, r := convErr(got, want); !(r <= 1e-5) {
					t.Errorf("%s, %d workers: error %.3g relative to the largest output, want <= 1e-5", c.name, workers, r)
				}
				if j := guardsIntact(obuf, len(outs), pad, -7); j >= 0 {
					t.Errorf("%s, %d workers: wrote %v at %d of the output's guarded buffer (values at %d to %d)", c.name, workers, obuf[j], j, pad, pad+len(outs))
				}
				if j := guardsIntact(xbuf, len(xs), pad, nan); j >= 0 {
					t.Errorf("%s, %d workers: wrote into the input's guard at %d", c.name, workers, j)
				}
			}
		}
	})
}

// TestConv2dDirectNotRun: the direct kernels never run for a float64
// convolution (forward and fused forward) or one that keeps its
// columns, and do run for the same float32 one (or the test could not
// fail).
func TestConv2dDirectNotRun(t *testing.T) {
	saved := directKernels
	defer func() { directKernels = saved }()
	var calls atomic.Int64 // the stubs run on the workers
	for i := range directKernels {
		directKernels[i] = func(x *float32, offs *int32, nk int, w, bias, out *float32, ldo, nout, relu int) { calls.Add(1) }
	}
	xs, ws, p := []int{2, 6, 14, 14}, []int{16, 6, 5, 5}, ConvParams{PadH: 1, PadW: 2}
	rng := rand.New(rand.NewSource(5))
	x64, w64, b64 := randTensor(rng, xs...), randTensor(rng, ws...), randTensor(rng, ws[0])
	for _, c := range []struct {
		name    string
		x, w, b *tensor.Dense
		keep    bool
		runs    bool
	}{
		{"float64", x64, w64, b64, false, false},
		{"float32 kept columns", toF32(x64), toF32(w64), toF32(b64), true, false},
		{"float32", toF32(x64), toF32(w64), toF32(b64), false, true},
	} {
		calls.Store(0)
		withDirect(true, 2, func() { convDirect(t, c.x, c.w, c.b, p, c.keep) })
		if (calls.Load() > 0) != c.runs {
			t.Errorf("%s: forward: %d calls of the direct kernels", c.name, calls.Load())
		}
		if c.keep {
			continue
		}
		calls.Store(0)
		k := &convKernel{p: p}
		out := tensor.New(tensor.Of(c.x.Dtype()), tensor.WithShape(k.outShapeOf(t, c.x, c.w)...))
		var done bool
		withDirect(true, 2, func() {
			var err error
			if done, err = k.forwardDirectFused([]*tensor.Dense{c.x, c.w}, out, c.b, true, nil); err != nil {
				t.Fatal(err)
			}
		})
		if done != c.runs || (calls.Load() > 0) != c.runs {
			t.Errorf("%s: fused forward: done %t, %d calls of the direct kernels", c.name, done, calls.Load())
		}
	}
}

// TestConv2dDirectGrad: a differentiated float32 convolution that the
// direct kernel computes keeps no columns, whatever keepColsBytes allows
// (keepCols), so it takes the direct forward, and its gradients, which
// rebuild the columns the forward never wrote, agree with float64 ones,
// at batch 1 (rows split over the workers) and 2, on LeNet-5's two shapes.
func TestConv2dDirectGrad(t *testing.T) {
	saved := directKernels
	defer func() { directKernels = saved }()
	var calls atomic.Int64
	for i, kern := range saved {
		directKernels[i] = func(x *float32, offs *int32, nk int, w, bias, out *float32, ldo, nout, relu int) {
			calls.Add(1)
			kern(x, offs, nk, w, bias, out, ldo, nout, relu)
		}
	}
	for _, n := range []int{1, 2} {
		for _, c := range directCases[:2] {
			t.Run(fmt.Sprintf("%s/batch=%d", c.name, n), func(t *testing.T) {
				calls.Store(0)
				withDirect(true, 2, func() { checkConvF32Grads(t, append([]int{n}, c.xs[1:]...), c.ws, c.p) })
				if calls.Load() == 0 {
					t.Error("the direct convolution did not run")
				}
			})
		}
	}
}

// TestKeepColsDirect: keepCols itself (which the benchmarks and
// TestPickWGradMode take as what training keeps) says that LeNet-5's
// float32 convolutions, which the direct kernel computes, keep no
// columns, while float64 ones and a float32 3×3 keep theirs.
func TestKeepColsDirect(t *testing.T) {
	lenet2 := newConvGeom(6, 14, 14, 16, 5, 5, ConvParams{})
	conv3 := newConvGeom(16, 8, 8, 16, 3, 3, ConvParams{PadH: 1, PadW: 1})
	for _, c := range []struct {
		name string
		g    convGeom
		dt   tensor.Dtype
		want bool
	}{
		{"lenet conv2 float32", lenet2, tensor.Float32, false},
		{"lenet conv2 float64", lenet2, tensor.Float64, true},
		{"3x3 float32", conv3, tensor.Float32, true},
	} {
		if got := keepCols(64, c.g, c.dt); got != c.want {
			t.Errorf("%s: keepCols %t, want %t", c.name, got, c.want)
		}
	}
}
