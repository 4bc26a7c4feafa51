package op

import (
	"fmt"
	"math/rand"
	"testing"

	"gorgonia.org/tensor"
)

// BenchmarkWinograd times the float32 forward kernel of zoo 3×3 stride-1
// convolutions (padding 1, bias) on the Winograd path and on im2col+GEMM,
// in the same run: name batch/channels in/size/channels out/path. The
// first call, which sizes the scratch, is not timed. winograd-neww
// changes a weight before each call, as training does, so that the
// filters are transformed every time (at batch > 1 only); winograd4 is
// F(4×4,3×3), winograd F(2×2,3×3).
func BenchmarkWinograd(b *testing.B) {
	for _, s := range []struct{ n, c, hw, o int }{
		{1, 64, 56, 64}, {1, 128, 28, 128}, {1, 256, 14, 256}, {1, 512, 7, 512}, // resnet18/34 b1
		{1, 64, 224, 64}, {1, 128, 112, 128}, {1, 256, 56, 256}, {1, 512, 28, 512}, {1, 512, 14, 512}, // vgg16 b1
		{1, 64, 56, 192}, {1, 96, 28, 128}, {1, 16, 28, 32}, {1, 128, 14, 256}, {1, 32, 14, 64}, {1, 160, 7, 320}, // googlenet b1
		{64, 16, 32, 16}, {64, 32, 16, 32}, {64, 64, 8, 64}, // resnet20 b64
		{8, 64, 56, 64}, {8, 256, 14, 256}, // resnet18 b8
	} {
		rng := rand.New(rand.NewSource(1))
		x, w, bias := toF32(randTensor(rng, s.n, s.c, s.hw, s.hw)), toF32(randTensor(rng, s.o, s.c, 3, 3)), toF32(randTensor(rng, s.o))
		in := []*tensor.Dense{x, w, bias}
		out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s.n, s.o, s.hw, s.hw))
		for _, path := range []struct {
			name    string
			mode    winogradMode
			mode4   winogradMode // winogradAlways: F(4×4), else F(2×2)
			changeW bool
		}{{"winograd", winogradAlways, winogradNever, false}, {"winograd4", winogradAlways, winogradAlways, false},
			{"winograd-neww", winogradAlways, winogradNever, true}, {"winograd4-neww", winogradAlways, winogradAlways, true},
			{"im2col", winogradNever, winogradNever, false}} {
			if path.changeW && s.n == 1 {
				continue // inference: the weights stay
			}
			b.Run(fmt.Sprintf("%d/%d/%d/%d/%s", s.n, s.c, s.hw, s.o, path.name), func(b *testing.B) {
				k := &convKernel{p: ConvParams{PadH: 1, PadW: 1}, bias: true}
				ws := w.Float32s()
				defer func(m winogradMode) { winograd4Use = m }(winograd4Use)
				winograd4Use = path.mode4
				withWinograd(path.mode, 0, func() {
					if err := k.forward(in, out); err != nil { // sizes the scratch, untimed
						b.Fatal(err)
					}
					cpu0 := cpuTime()
					for b.Loop() {
						if path.changeW {
							ws[0] = -ws[0] // a training step: new weights
						}
						if err := k.forward(in, out); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
				})
			})
		}
	}
}
