package op

import (
	"fmt"
	"testing"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"
	"gorgonia.org/tensor"
)

// TestConvWGradRows: the float32 weight gradient computed as dWᵀ on the
// micro-kernel, split by rows, agrees with the float64 one (the
// per-sample path) for rows of the columns on and off the tile (27, 6,
// 8, 36, 144, 125), output channels on and off 16, 1×1 identity and
// strided, dilation, batch 1, columns kept and rebuilt, on one, two
// and three workers.
func TestConvWGradRows(t *testing.T) {
	if !gemm.UsePanels(gemm.TileRows, gemm.PanelWidth) {
		t.Skip("no micro-kernel on this CPU: the per-sample path only")
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
		if !useWGradRows(&g, tensor.Float32) || useWGradRows(&g, tensor.Float64) {
			t.Fatalf("%s: useWGradRows float32 %t, float64 %t; the test needs true, false", tc.name,
				useWGradRows(&g, tensor.Float32), useWGradRows(&g, tensor.Float64))
		}
		for _, keep := range []int{1 << 30, 0} {
			for _, workers := range []int{1, 2, 3} {
				t.Run(fmt.Sprintf("%s/keep=%t/workers=%d", tc.name, keep > 0, workers), func(t *testing.T) {
					keepColsBytes, gemm.MaxWorkers = keep, workers
					checkConvF32Grads(t, tc.xs, tc.ws, tc.p)
				})
			}
		}
	}
}
