package op

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"
	"gorgonia.org/tensor"
)

// forceWGradMode makes wgradPick return mode wherever pickWGradMode
// would compute dWᵀ on the micro-kernel; the returned func restores it.
func forceWGradMode(mode wgradMode) func() {
	wgradPick = func(n int, g *convGeom, dt tensor.Dtype, keep bool) wgradMode {
		if pickWGradMode(n, g, dt, keep) == wgradSamples {
			return wgradSamples
		}
		return mode
	}
	return func() { wgradPick = pickWGradMode }
}

// TestConvWGradT: the float32 weight gradient computed as dWᵀ on the
// micro-kernel, split by rows and by samples, agrees with the float64
// one (dW per sample) for rows of the columns on and off the tile (27,
// 6, 8, 36, 144, 125), output channels on and off 16, 1×1 identity and
// strided, dilation, batch 1, columns kept and rebuilt, on one, two and
// three workers.
func TestConvWGradT(t *testing.T) {
	if !gemm.UsePanels(gemm.TileRows, gemm.PanelWidth) {
		t.Skip("no micro-kernel on this CPU: the per-sample dW only")
	}
	defer func(k, w int) { keepColsBytes, gemm.MaxWorkers = k, w }(keepColsBytes, gemm.MaxWorkers)
	for _, tc := range []struct {
		name   string
		xs, ws []int
		p      ConvParams
	}{
		{"3x3_pad1", []int{2, 3, 6, 5}, []int{20, 3, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
		{"1x1", []int{3, 8, 4, 4}, []int{16, 8, 1, 1}, ConvParams{}},
		{"1x1_stride2", []int{2, 6, 5, 5}, []int{17, 6, 1, 1}, ConvParams{StrideH: 2, StrideW: 2}},
		{"batch1_stride2", []int{1, 4, 9, 9}, []int{32, 4, 3, 3}, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
		{"resnet20", []int{2, 16, 8, 8}, []int{16, 16, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
		{"dilation2", []int{2, 5, 7, 7}, []int{24, 5, 5, 5}, ConvParams{PadH: 2, PadW: 3, DilationH: 2}},
	} {
		g := newConvGeom(tc.xs[1], tc.xs[2], tc.xs[3], tc.ws[0], tc.ws[2], tc.ws[3], tc.p)
		if pickWGradMode(tc.xs[0], &g, tensor.Float32, true) == wgradSamples || pickWGradMode(tc.xs[0], &g, tensor.Float64, true) != wgradSamples {
			t.Fatalf("%s: float32 takes dW per sample or float64 does not; the test needs the opposite", tc.name)
		}
		for _, mode := range []wgradMode{wgradSamplesT, wgradRowsT} {
			restore := forceWGradMode(mode)
			for _, keep := range []int{1 << 30, 0} {
				for _, workers := range []int{1, 2, 3} {
					t.Run(fmt.Sprintf("%s/mode=%d/keep=%t/workers=%d", tc.name, mode, keep > 0, workers), func(t *testing.T) {
						keepColsBytes, gemm.MaxWorkers = keep, workers
						checkConvF32Grads(t, tc.xs, tc.ws, tc.p)
					})
				}
			}
			restore()
		}
	}
}

// BenchmarkConvWGrad times the float32 weight gradient alone on ResNet-20
// (batch 64) and ResNet-18 (batch 8) shapes: dWᵀ on the micro-kernel
// split by rows and by samples, and dW per sample (the path before
// them; pick marks pickWGradMode's choice), the columns kept or
// rebuilt as training keeps them (keepCols); cpu-ms/op is the CPU time
// of all threads, steadier than wall time on a busy machine.
// go test ./graph/op -run - -bench ConvWGrad
func BenchmarkConvWGrad(b *testing.B) {
	pad1, s2 := ConvParams{PadH: 1, PadW: 1}, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}
	for _, c := range []struct {
		name string
		x, w []int
		p    ConvParams
	}{
		{"resnet20_conv1_b64", []int{64, 3, 32, 32}, []int{16, 3, 3, 3}, pad1},
		{"resnet20_stage1_b64", []int{64, 16, 32, 32}, []int{16, 16, 3, 3}, pad1},
		{"resnet20_stage2_s2_b64", []int{64, 16, 32, 32}, []int{32, 16, 3, 3}, s2},
		{"resnet20_stage2_b64", []int{64, 32, 16, 16}, []int{32, 32, 3, 3}, pad1},
		{"resnet20_stage3_b64", []int{64, 64, 8, 8}, []int{64, 64, 3, 3}, pad1},
		{"resnet18_conv1_b8", []int{8, 3, 224, 224}, []int{64, 3, 7, 7}, ConvParams{StrideH: 2, StrideW: 2, PadH: 3, PadW: 3}},
		{"resnet18_layer1_b8", []int{8, 64, 56, 56}, []int{64, 64, 3, 3}, pad1},
		{"resnet18_layer2_b8", []int{8, 128, 28, 28}, []int{128, 128, 3, 3}, pad1},
		{"resnet18_layer3_b8", []int{8, 256, 14, 14}, []int{256, 256, 3, 3}, pad1},
		{"resnet18_layer4_b8", []int{8, 512, 7, 7}, []int{512, 512, 3, 3}, pad1},
		{"resnet18_down4_b8", []int{8, 256, 14, 14}, []int{512, 256, 1, 1}, ConvParams{StrideH: 2, StrideW: 2}},
	} {
		rng := rand.New(rand.NewSource(1))
		x, w := toF32(randTensor(rng, c.x...)), toF32(randTensor(rng, c.w...))
		k := &convKernel{p: c.p}
		n, g, err := k.geom(x.Shape(), w.Shape())
		if err != nil {
			b.Fatal(err)
		}
		k.keep = keepCols(n, g, tensor.Float32)
		y := tensor.New(tensor.WithShape(n, g.outC, g.oh, g.ow), tensor.Of(tensor.Float32))
		if err := k.forward([]*tensor.Dense{x, w}, y); err != nil { // fills the kept columns
			b.Fatal(err)
		}
		dy := toF32(randTensor(rng, n, g.outC, g.oh, g.ow))
		dw := tensor.New(tensor.WithShape(c.w...), tensor.Of(tensor.Float32))
		wk := &convWGrad{fw: k, wShape: w.Shape()}
		for _, mode := range []struct {
			name string
			m    wgradMode
		}{{"rowsT", wgradRowsT}, {"samplesT", wgradSamplesT}, {"dW", wgradSamples}} {
			name := c.name + "/" + mode.name
			if mode.m == pickWGradMode(n, &g, tensor.Float32, k.keep) {
				name += "-pick"
			}
			b.Run(name, func(b *testing.B) {
				defer forceWGradMode(mode.m)()
				benchKernel(b, wk, []*tensor.Dense{x, y, dy}, dw, 2*float64(n*g.outC*g.ckk*g.ohw))
			})
		}
	}
}

// TestPickWGradMode: the split each zoo shape gets in training (columns
// kept as keepCols keeps them, two workers).
func TestPickWGradMode(t *testing.T) {
	if !gemm.UsePanels(gemm.TileRows, gemm.PanelWidth) {
		t.Skip("no micro-kernel on this CPU: the per-sample dW only")
	}
	defer func(w int) { gemm.MaxWorkers = w }(gemm.MaxWorkers)
	gemm.MaxWorkers = 2
	pad1 := ConvParams{PadH: 1, PadW: 1}
	for _, c := range []struct {
		name string
		x, w []int
		dt   tensor.Dtype
		want wgradMode
	}{
		{"resnet20 stage2 b64 (kept)", []int{64, 32, 16, 16}, []int{32, 32, 3, 3}, tensor.Float32, wgradSamplesT},
		{"resnet20 stage1 b64 (rebuilt)", []int{64, 16, 32, 32}, []int{16, 16, 3, 3}, tensor.Float32, wgradRowsT},
		{"resnet18 layer1 b8 (rebuilt)", []int{8, 64, 56, 56}, []int{64, 64, 3, 3}, tensor.Float32, wgradRowsT},
		{"resnet18 layer4 b1", []int{1, 512, 7, 7}, []int{512, 512, 3, 3}, tensor.Float32, wgradRowsT},
		{"1x1 identity b64 (few pixels)", []int{64, 512, 2, 2}, []int{16, 512, 1, 1}, tensor.Float32, wgradRowsT},
		{"lenet conv1 (6 outputs)", []int{64, 1, 28, 28}, []int{6, 1, 5, 5}, tensor.Float32, wgradSamples},
		{"float64", []int{64, 32, 16, 16}, []int{32, 32, 3, 3}, tensor.Float64, wgradSamples},
	} {
		g := newConvGeom(c.x[1], c.x[2], c.x[3], c.w[0], c.w[2], c.w[3], pad1)
		if c.w[2] == 1 {
			g = newConvGeom(c.x[1], c.x[2], c.x[3], c.w[0], 1, 1, ConvParams{})
		}
		if got := pickWGradMode(c.x[0], &g, c.dt, keepCols(c.x[0], g, c.dt)); got != c.want {
			t.Errorf("%s: mode %d, want %d", c.name, got, c.want)
		}
	}
}
