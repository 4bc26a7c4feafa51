package train

import (
	"math"

	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Adam is torch.optim.Adam, or torch.optim.AdamW when Decoupled is set.
// The zero value is Adam with betas (0.9, 0.999), eps 1e-8 and no weight
// decay. Per parameter, at step t (from 1):
//
//	g ← g + λ·w                        (WeightDecay λ, unless Decoupled)
//	w ← w·(1 − lr·λ)                   (Decoupled: AdamW)
//	m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//	w ← w − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)
//
// NormWeightDecay, when set, replaces λ for batch-norm parameters and
// biases. Moments and the step count are kept per parameter name.
type Adam struct {
	Beta1, Beta2 float64 // 0 means 0.9 and 0.999
	Eps          float64 // 0 means 1e-8
	WeightDecay  float64 // 0 means none
	Decoupled    bool    // decay the weights directly (AdamW) instead of the gradient
	// NormWeightDecay, when not nil, is the weight decay of batch-norm
	// parameters and of biases (graph.ParamNorm, graph.ParamBias) in place
	// of WeightDecay, as SGD's. Nil means WeightDecay for every parameter.
	NormWeightDecay *float64

	state map[string]any
}

type moments[T float] struct {
	m, v []T
	t    int
}

// Validate returns an error naming the first field out of range: Beta1 and
// Beta2 must be in [0, 1), Eps and WeightDecay finite and >= 0 (torch's
// checks). Step calls it, and train.New.
func (o *Adam) Validate() error {
	switch {
	case !(o.Beta1 >= 0 && o.Beta1 < 1):
		return errors.Errorf("train: Adam: Beta1 %v, want 0 <= Beta1 < 1", o.Beta1)
	case !(o.Beta2 >= 0 && o.Beta2 < 1):
		return errors.Errorf("train: Adam: Beta2 %v, want 0 <= Beta2 < 1", o.Beta2)
	case !nonNegative(o.Eps):
		return errors.Errorf("train: Adam: Eps %v, want a finite value >= 0", o.Eps)
	case !nonNegative(o.WeightDecay):
		return errors.Errorf("train: Adam: WeightDecay %v, want a finite value >= 0", o.WeightDecay)
	}
	return nil
}

// nonNegative reports whether v is finite and >= 0.
func nonNegative(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }

// Step applies one Adam update at learning rate lr.
func (o *Adam) Step(params []*graph.Param, grads []*tensor.Dense, lr float64) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if o.state == nil {
		o.state = map[string]any{}
	}
	return walk("Adam", params, grads,
		func(p *graph.Param, w, g []float32) error { return adamStep(o, p, w, g, lr) },
		func(p *graph.Param, w, g []float64) error { return adamStep(o, p, w, g, lr) })
}

func adamStep[T float](o *Adam, p *graph.Param, w, g []T, lr float64) error {
	s, err := slot(o.state, p.Name, len(w), func(s *moments[T]) int { return len(s.m) },
		func() *moments[T] { return &moments[T]{m: make([]T, len(w)), v: make([]T, len(w))} })
	if err != nil {
		return err
	}
	s.t++
	b1, b2 := orDefault(o.Beta1, 0.9), orDefault(o.Beta2, 0.999)
	bc1 := 1 - math.Pow(b1, float64(s.t))
	bc2 := math.Sqrt(1 - math.Pow(b2, float64(s.t)))
	step, eps := T(lr/bc1), T(orDefault(o.Eps, 1e-8))
	tb1, tb2, sbc2 := T(b1), T(b2), T(bc2)
	cb1, cb2 := T(1-b1), T(1-b2) // in float64 first, as PyTorch's Python scalars
	lambda := decayOf(p, o.WeightDecay, o.NormWeightDecay)
	wd, decay := T(lambda), T(1-lr*lambda)
	parallel(len(g), func(lo, hi int) {
		m, v, w := s.m[lo:hi], s.v[lo:hi], w[lo:hi]
		for i, gi := range g[lo:hi] {
			switch {
			case lambda == 0:
			case o.Decoupled:
				w[i] *= decay
			default:
				gi += wd * w[i]
			}
			m[i] = tb1*m[i] + cb1*gi
			v[i] = tb2*v[i] + cb2*gi*gi
			w[i] -= step * m[i] / (T(math.Sqrt(float64(v[i])))/sbc2 + eps)
		}
	})
	return nil
}
