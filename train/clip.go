package train

import (
	"math"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// ClipGradNorm scales grads in place so that their global L2 norm (over
// all tensors together) is at most maxNorm, as
// torch.nn.utils.clip_grad_norm_(max_norm, norm_type=2): with total the
// norm before clipping, every gradient is multiplied by
// maxNorm/(total+1e-6) when that factor is below 1. It returns total. A
// non-finite total is an error (the step would turn every weight to NaN).
// maxNorm must be positive. A gradient that is a view of another tensor is
// replaced in grads by a scaled copy.
func ClipGradNorm(grads []*tensor.Dense, maxNorm float64) (float64, error) {
	if !(maxNorm > 0) || math.IsInf(maxNorm, 1) {
		return 0, errors.Errorf("train: gradient clipping: max norm %v, want a positive number", maxNorm)
	}
	sum := 0.0
	for i, g := range grads {
		if g != nil && g.RequiresIterator() {
			g = g.Materialize().(*tensor.Dense)
			grads[i] = g
		}
		switch d := dense(g).(type) {
		case []float32:
			sum += sumSquares(d)
		case []float64:
			sum += sumSquares(d)
		default:
			return 0, errors.Errorf("train: gradient clipping: gradient %d is %T, want float32 or float64 data", i, d)
		}
	}
	total := math.Sqrt(sum)
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return total, errors.Errorf("train: gradient clipping: the gradients' norm is %v", total)
	}
	coef := maxNorm / (total + 1e-6)
	if coef >= 1 {
		return total, nil
	}
	for _, g := range grads {
		switch d := dense(g).(type) {
		case []float32:
			scale(d, coef)
		case []float64:
			scale(d, coef)
		}
	}
	return total, nil
}

// dense returns the data of g, nil for a nil tensor.
func dense(g *tensor.Dense) any {
	if g == nil {
		return nil
	}
	return g.Data()
}

func sumSquares[T float](x []T) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

func scale[T float](x []T, c float64) {
	for i, v := range x {
		x[i] = T(float64(v) * c)
	}
}
