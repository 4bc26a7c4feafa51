package op

import (
	"testing"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"
)

// TestSplit runs the tests of the kernels that split their work over the
// worker pool (batch norm, ReLU, Add, Concat, SubsamplePad, max pooling's gradient,
// one sample's im2col) with every call split between two
// workers, however small: the ranges must cover the tensors exactly and
// give the values and gradients of the whole.
func TestSplit(t *testing.T) {
	defer func(w, s int) { gemm.MaxWorkers, splitWork = w, s }(gemm.MaxWorkers, splitWork)
	gemm.MaxWorkers, splitWork = 2, 0
	for name, f := range map[string]func(*testing.T){
		"BatchNormGolden": TestBatchNormGolden,
		"BatchNormGrad":   TestBatchNormGrad,
		"ReLU":            TestReLU,
		"Add":             TestAdd,
		"Concat":          TestConcat,
		"SubsamplePad":    TestSubsamplePad,
		"MaxPoolGrad":     TestMaxPoolGrad,
		"MaxPoolGolden":   TestMaxPoolGolden,
		"Conv2dNaive":     TestConv2dNaive,
		"Conv2dGrad":      TestConv2dGrad,
	} {
		t.Run(name, f)
	}
}
