package op

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/tensor"
)

// nanBuffers gives k, for each of workers, V, M and strip buffers of
// size floats, all NaN: what a transform reads past the values it was
// given (the strip's slack, xiStride's skew, tiles past a row) is then
// NaN, and any of it that reaches a kept output shows.
func nanBuffers(k *winograd, workers, size int) {
	k.v, k.m, k.strip = nil, nil, nil
	for range workers {
		for _, b := range []*[][]float32{&k.v, &k.m, &k.strip} {
			buf := make([]float32, size)
			for i := range buf {
				buf[i] = float32(math.NaN())
			}
			*b = append(*b, buf)
		}
	}
}

// TestWinogradNaNSlack: with every per-worker buffer filled with NaN
// before the call, the assembly transforms' forward and data gradient
// give the scalar ones' outputs (F(4×4): the same bits; F(2×2): within
// float32 rounding), no NaN: the values the assembly reads and does not
// use (fillStrip's slack, rows below a short row, tiles past a chunk)
// never reach an output. Outputs 16 wide (rows of 4 tiles, paired) and
// cut at the bottom or right, rows shorter than 8 tiles, widths that are
// not multiples of 4 or 8, batches whose chunks end inside an image,
// one worker and two, padding 0 to 2.
func TestWinogradNaNSlack(t *testing.T) {
	if !hasWinogradSIMD {
		t.Skip("no assembly transforms on this CPU")
	}
	defer func(s bool, m winogradMode) { winogradSIMD, winograd4Use = s, m }(winogradSIMD, winograd4Use)
	rng := rand.New(rand.NewSource(15))
	sizes := [][2]int{{16, 16}, {15, 16}, {16, 15}, {18, 18}, {8, 8}, {7, 8}, {10, 10}, {3, 3}, {4, 9}, {5, 30}, {20, 20}, {9, 37}}
	for _, tile := range []int{2, 4} {
		winograd4Use = winogradNever
		if tile == 4 {
			winograd4Use = winogradAlways
		}
		for _, s := range sizes {
			for _, pad := range []int{0, 1, 2} {
				if s[0]+2*pad < 3 || s[1]+2*pad < 3 {
					continue
				}
				n := 1 + 4*(pad%2) // batch 1 or 5: chunks end inside images
				p := ConvParams{PadH: pad, PadW: pad}
				x, w, b := toF32(randTensor(rng, n, 3, s[0], s[1])), toF32(randTensor(rng, 5, 3, 3, 3)), toF32(randTensor(rng, 5))
				g := newConvGeom(3, s[0], s[1], 5, 3, 3, p)
				dy := toF32(randTensor(rng, n, 5, g.oh, g.ow))
				for _, workers := range []int{1, 2} {
					name := fmt.Sprintf("F(%d×%d), x %v pad %d, %d workers", tile, tile, x.Shape(), pad, workers)
					var fwd, dx [2][]float64
					withWinograd(winogradAlways, workers, func() {
						withXGrad(winogradAlways, func() {
							for i, simd := range []bool{false, true} {
								winogradSIMD = simd
								fwd[i], dx[i] = nanSlackRun(t, x, w, b, dy, p, workers)
							}
						})
					})
					for _, r := range []struct {
						what string
						got  [2][]float64
					}{{"forward", fwd}, {"data gradient", dx}} {
						if _, rel := convErr(r.got[1], r.got[0]); tile == 4 && rel != 0 || !(rel <= 1e-6) {
							t.Errorf("%s: %s with NaN in the buffers' unused values differs from the scalar transforms' by %.3g of the largest", name, r.what, rel)
						}
					}
				}
			}
		}
	}
}

// nanSlackRun runs the float32 forward of x, w, b and the data gradient
// of dy through new kernels whose buffers nanBuffers filled, and returns
// the output and dX.
func nanSlackRun(t *testing.T, x, w, b, dy *tensor.Dense, p ConvParams, workers int) ([]float64, []float64) {
	t.Helper()
	const size = 1 << 16
	k := &convKernel{p: p, bias: true}
	nanBuffers(&k.wino, workers, size)
	in := []*tensor.Dense{x, w, b}
	os, err := k.outShape([]tensor.Shape{x.Shape(), w.Shape(), b.Shape()})
	if err != nil {
		t.Fatal(err)
	}
	out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(os...))
	if err := k.forward(in, out); err != nil {
		t.Fatal(err)
	}
	xg := &convXGrad{fw: &convKernel{p: p}, xShape: x.Shape()}
	nanBuffers(&xg.fw.wino, workers, size)
	dx := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(x.Shape()...))
	if err := xg.forward([]*tensor.Dense{w, dy}, dx); err != nil {
		t.Fatal(err)
	}
	return tValues(out), tValues(dx)
}
