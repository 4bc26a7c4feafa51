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
// (L2). The velocity is kept per parameter name, created at first use.
type SGD struct {
	Momentum    float64 // 0 means none; below 1
	Nesterov    bool    // Nesterov momentum; needs Momentum > 0 (an error otherwise, as in torch)
	WeightDecay float64 // L2 coefficient added to the gradient; 0 means none

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
		func(name string, w, g []float32) error { return sgdStep(o, name, w, g, lr) },
		func(name string, w, g []float64) error { return sgdStep(o, name, w, g, lr) })
}

func sgdStep[T float](o *SGD, name string, w, g []T, lr float64) error {
	eta, wd, mom := T(lr), T(o.WeightDecay), T(o.Momentum)
	if o.Momentum == 0 {
		for i, gi := range g {
			if wd != 0 {
				gi += wd * w[i]
			}
			w[i] -= eta * gi
		}
		return nil
	}
	fresh := false
	v, err := slot(o.state, name, len(w), func(v *velocity[T]) int { return len(v.buf) },
		func() *velocity[T] { fresh = true; return &velocity[T]{buf: make([]T, len(w))} })
	if err != nil {
		return err
	}
	for i, gi := range g {
		if wd != 0 {
			gi += wd * w[i]
		}
		if fresh {
			v.buf[i] = gi
		} else {
			v.buf[i] = mom*v.buf[i] + gi
		}
		if o.Nesterov {
			gi += mom * v.buf[i]
		} else {
			gi = v.buf[i]
		}
		w[i] -= eta * gi
	}
	return nil
}
