package train

import (
	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// SGD is stochastic gradient descent as torch.optim.SGD (dampening 0).
// The zero value is plain SGD. With Momentum m the velocity buffer starts
// as the first gradient and then buf = m·buf + g; the step uses buf, or
// g + m·buf with Nesterov. WeightDecay adds WeightDecay·w to the gradient
// (L2); NormWeightDecay, when set, replaces it for batch-norm parameters
// and biases. The velocity is kept per parameter name, created at first
// use.
type SGD struct {
	Momentum    float64 // 0 means none; below 1
	Nesterov    bool    // Nesterov momentum; needs Momentum > 0 (an error otherwise, as in torch)
	WeightDecay float64 // L2 coefficient added to the gradient; 0 means none
	// NormWeightDecay, when not nil, is the weight decay of batch-norm
	// parameters and of biases (graph.ParamNorm, graph.ParamBias) in place
	// of WeightDecay: torch.optim param groups as torchvision's
	// --norm-weight-decay makes them, biases included. Nil means
	// WeightDecay for every parameter.
	NormWeightDecay *float64

	state map[string]any
}

type velocity[T float] struct{ buf []T }

// Validate returns an error naming the first field out of range: Momentum
// must be in [0, 1) (a velocity that never decays diverges), WeightDecay
// finite and >= 0, and Nesterov needs a momentum. Step calls it, and
// train.New.
func (o *SGD) Validate() error {
	switch {
	case !(o.Momentum >= 0 && o.Momentum < 1):
		return errors.Errorf("train: SGD: Momentum %v, want 0 <= Momentum < 1", o.Momentum)
	case !nonNegative(o.WeightDecay):
		return errors.Errorf("train: SGD: WeightDecay %v, want a finite value >= 0", o.WeightDecay)
	case o.Nesterov && o.Momentum == 0:
		return errors.New("train: SGD: Nesterov needs a Momentum > 0")
	}
	return nil
}

// Step applies one SGD update at learning rate lr.
func (o *SGD) Step(params []*graph.Param, grads []*tensor.Dense, lr float64) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if o.state == nil {
		o.state = map[string]any{}
	}
	return walk("SGD", params, grads,
		func(p *graph.Param, w, g []float32) error { return sgdStep(o, p, w, g, lr) },
		func(p *graph.Param, w, g []float64) error { return sgdStep(o, p, w, g, lr) })
}

func sgdStep[T float](o *SGD, p *graph.Param, w, g []T, lr float64) error {
	eta, wd, mom := T(lr), T(decayOf(p, o.WeightDecay, o.NormWeightDecay)), T(o.Momentum)
	if o.Momentum == 0 {
		parallel(len(g), func(lo, hi int) {
			w := w[lo:hi]
			for i, gi := range g[lo:hi] {
				if wd != 0 {
					gi += wd * w[i]
				}
				w[i] -= eta * gi
			}
		})
		return nil
	}
	fresh := false
	v, err := slot(o.state, p.Name, len(w), func(v *velocity[T]) int { return len(v.buf) },
		func() *velocity[T] { fresh = true; return &velocity[T]{buf: make([]T, len(w))} })
	if err != nil {
		return err
	}
	parallel(len(g), func(lo, hi int) {
		w, buf := w[lo:hi], v.buf[lo:hi]
		for i, gi := range g[lo:hi] {
			if wd != 0 {
				gi += wd * w[i]
			}
			if fresh {
				buf[i] = gi
			} else {
				buf[i] = mom*buf[i] + gi
			}
			if o.Nesterov {
				gi += mom * buf[i]
			} else {
				gi = buf[i]
			}
			w[i] -= eta * gi
		}
	})
	return nil
}
