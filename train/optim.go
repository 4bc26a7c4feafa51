package train

import (
	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// An Optimizer updates parameters from their gradients. Implementations
// keep per-parameter state (momentum, moments) keyed by parameter name and
// created lazily at the first step.
type Optimizer interface {
	// Step updates every param in place from its gradient (same shape and
	// dtype), at learning rate lr.
	Step(params []*graph.Param, grads []*tensor.Dense, lr float64) error
}

// float is the element type of the tensors optimizers work on.
type float interface{ ~float32 | ~float64 }

// walk checks params against grads and calls f32 or f64 with each
// parameter and its data and its gradient's data.
func walk(who string, params []*graph.Param, grads []*tensor.Dense,
	f32 func(p *graph.Param, w, g []float32) error,
	f64 func(p *graph.Param, w, g []float64) error) error {
	if len(params) != len(grads) {
		return errors.Errorf("train: %s: %d params but %d gradients", who, len(params), len(grads))
	}
	for i, p := range params {
		g := grads[i]
		if p == nil || p.Value == nil || g == nil {
			return errors.Errorf("train: %s: nil parameter or gradient at index %d", who, i)
		}
		if !p.Value.Shape().Eq(g.Shape()) || p.Value.Dtype() != g.Dtype() {
			return errors.Errorf("train: %s: parameter %q is %v%v, its gradient %v%v",
				who, p.Name, p.Value.Dtype(), p.Value.Shape(), g.Dtype(), g.Shape())
		}
		if g.RequiresIterator() {
			g = g.Materialize().(*tensor.Dense)
		}
		var err error
		switch w := p.Value.Data().(type) {
		case []float32:
			err = f32(p, w, g.Data().([]float32))
		case []float64:
			err = f64(p, w, g.Data().([]float64))
		default:
			err = errors.Errorf("train: %s: parameter %q has dtype %v (want float32 or float64)", who, p.Name, p.Value.Dtype())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// slot returns the state of type *S stored under name, creating it with
// mk when missing. State stored with another element type or length is an
// error (a parameter cannot change dtype or shape between steps).
func slot[S any](states map[string]any, name string, n int, size func(*S) int, mk func() *S) (*S, error) {
	if v, ok := states[name]; ok {
		s, ok := v.(*S)
		if !ok || size(s) != n {
			return nil, errors.Errorf("train: parameter %q changed dtype or size since the last step", name)
		}
		return s, nil
	}
	s := mk()
	states[name] = s
	return s, nil
}

// decayOf is the weight decay of p: norm for batch-norm parameters and
// biases (graph.ParamNorm, graph.ParamBias) when norm is not nil, as the
// second parameter group of torchvision's norm_weight_decay; wd otherwise.
func decayOf(p *graph.Param, wd float64, norm *float64) float64 {
	if norm != nil && (p.Kind == graph.ParamNorm || p.Kind == graph.ParamBias) {
		return *norm
	}
	return wd
}
