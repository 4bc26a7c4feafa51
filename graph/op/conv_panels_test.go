package op

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"
	"gorgonia.org/tensor"
)

// TestConv2dPanels: the float32 forward on implicit-GEMM panels agrees
// with the direct loops (naiveConv, float64) at batch 1, split over the
// workers (by rows of the output where it has few pixels, else by
// columns) and on one, and at batch 3: output channels off the
// 6-row tile, pixels off the 16-column panel, C·KH·KW crossing the GEMM's
// 256-deep blocks, strides, dilation, padding, with and without bias;
// panelsMinBytes 0 sends the few-channel products to the panels too. A
// strided 1×1 convolution takes im2col's subsample and the plain product
// instead (noPanels).
func TestConv2dPanels(t *testing.T) {
	if !gemm.UsePanels(64, 64) {
		t.Skip("no micro-kernel on this CPU: the float32 forward never takes panels")
	}
	cases := []struct {
		name     string
		xs, ws   []int
		p        ConvParams
		bias     bool
		noPanels bool
	}{
		{"3x3 same, K 270 crossing blockK", []int{1, 30, 13, 11}, []int{70, 30, 3, 3}, ConvParams{PadH: 1, PadW: 1}, true, false},
		{"few pixels: split by rows", []int{1, 40, 7, 7}, []int{131, 40, 3, 3}, ConvParams{PadH: 1, PadW: 1}, false, false},
		{"stride 2", []int{1, 5, 23, 20}, []int{67, 5, 3, 3}, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, true, false},
		{"7x7 stride 2 pad 3", []int{1, 3, 30, 34}, []int{13, 3, 7, 7}, ConvParams{StrideH: 2, StrideW: 2, PadH: 3, PadW: 3}, false, false},
		{"dilation 2", []int{1, 6, 15, 18}, []int{80, 6, 3, 3}, ConvParams{PadH: 2, PadW: 2, DilationH: 2, DilationW: 2}, true, false},
		{"1x1 stride 2", []int{1, 9, 20, 21}, []int{100, 9, 1, 1}, ConvParams{StrideH: 2, StrideW: 2}, false, true},
		{"no padding, few channels", []int{1, 4, 18, 40}, []int{8, 4, 5, 5}, ConvParams{}, true, false},
		{"batch 3", []int{3, 30, 13, 11}, []int{70, 30, 3, 3}, ConvParams{PadH: 1, PadW: 1}, true, false},
		{"7x7 stride 2 pad 3, odd width (phase split)", []int{1, 3, 31, 37}, []int{13, 3, 7, 7}, ConvParams{StrideH: 2, StrideW: 2, PadH: 3, PadW: 3}, true, false},
		{"batch 2, 3x3 stride 2, odd width (phase split)", []int{2, 5, 9, 35}, []int{20, 5, 3, 3}, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, false, false},
		{"stride 3,2 dilation 2 (phase split)", []int{1, 4, 17, 45}, []int{9, 4, 3, 3}, ConvParams{StrideH: 3, StrideW: 2, PadH: 2, PadW: 1, DilationH: 2, DilationW: 2}, true, false},
	}
	defer func(w, b int, d bool) { gemm.MaxWorkers, panelsMinBytes, directUse = w, b, d }(gemm.MaxWorkers, panelsMinBytes, directUse)
	panelsMinBytes, directUse = 0, false // the few-channel 5×5 case would take the direct convolution
	for _, tc := range cases {
		for _, workers := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/workers=%d", tc.name, workers), func(t *testing.T) {
				gemm.MaxWorkers = workers
				rng := rand.New(rand.NewSource(14))
				in := []*tensor.Dense{randTensor(rng, tc.xs...), randTensor(rng, tc.ws...)}
				var b []float64
				if tc.bias {
					in = append(in, randTensor(rng, tc.ws[0]))
					b = tValues(in[2])
				}
				want, shape := naiveConv(tValues(in[0]), tValues(in[1]), b, tc.xs, tc.ws, tc.p)
				k := &convKernel{p: tc.p, bias: tc.bias}
				in32 := make([]*tensor.Dense, len(in))
				for i, x := range in {
					in32[i] = toF32(x)
				}
				out := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
				if err := k.forward(in32, out); err != nil {
					t.Fatal(err)
				}
				if k.panels == tc.noPanels {
					t.Fatalf("the forward took the panels: %t, want %t", k.panels, !tc.noPanels)
				}
				tNear(t, "y", tValues(out), want, 1e-4)
			})
		}
	}
}

// TestConv2dPanelsGrad: a differentiated convolution whose columns are
// not kept (keepColsBytes 0) takes the panels forward, and the weight
// gradient rebuilds the columns the forward never wrote: float32
// forward and gradients agree with float64 ones, at batch 1 (the product
// split over the workers) and 2.
func TestConv2dPanelsGrad(t *testing.T) {
	if !gemm.UsePanels(64, 64) {
		t.Skip("no micro-kernel on this CPU: the float32 forward never takes panels")
	}
	defer func(k, b int) { keepColsBytes, panelsMinBytes = k, b }(keepColsBytes, panelsMinBytes)
	keepColsBytes, panelsMinBytes = 0, 0
	for _, n := range []int{1, 2} {
		t.Run(fmt.Sprintf("batch=%d", n), func(t *testing.T) {
			checkConvF32Grads(t, []int{n, 6, 9, 19}, []int{70, 6, 3, 3}, ConvParams{StrideH: 2, StrideW: 1, PadH: 1, PadW: 1})
		})
	}
}
