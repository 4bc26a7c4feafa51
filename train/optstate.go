package train

import (
	"math"
	"slices"
	"strings"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// A StatefulOptimizer can save and restore its state (moments, momentum
// buffers, step counts), so that a resumed run updates as the uninterrupted
// one. SGD and Adam are. A Trainer with another Optimizer cannot save its
// state.
type StatefulOptimizer interface {
	Optimizer
	// OptimizerState returns copies of the state tensors under names of
	// the form "kind/parameter".
	OptimizerState() map[string]*tensor.Dense
	// SetOptimizerState replaces the state by a copy of ts, as
	// OptimizerState returned it.
	SetOptimizerState(ts map[string]*tensor.Dense) error
}

// OptimizerState returns the momentum buffers ("momentum/NAME").
func (o *SGD) OptimizerState() map[string]*tensor.Dense {
	out := map[string]*tensor.Dense{}
	for name, s := range o.state {
		switch v := s.(type) {
		case *velocity[float32]:
			out["momentum/"+name] = vec(v.buf)
		case *velocity[float64]:
			out["momentum/"+name] = vec(v.buf)
		}
	}
	return out
}

// SetOptimizerState restores the momentum buffers.
func (o *SGD) SetOptimizerState(ts map[string]*tensor.Dense) error {
	state := map[string]any{}
	for key, t := range ts {
		name, ok := strings.CutPrefix(key, "momentum/")
		if !ok {
			return errors.Errorf("train: SGD state: unexpected tensor %q", key)
		}
		switch d := t.Data().(type) {
		case []float32:
			state[name] = &velocity[float32]{buf: slices.Clone(d)}
		case []float64:
			state[name] = &velocity[float64]{buf: slices.Clone(d)}
		default:
			return errors.Errorf("train: SGD state %q has dtype %v", key, t.Dtype())
		}
	}
	o.state = state
	return nil
}

// OptimizerState returns the moments and step counts ("m/NAME", "v/NAME",
// and "t/NAME", a float64 scalar).
func (o *Adam) OptimizerState() map[string]*tensor.Dense {
	out := map[string]*tensor.Dense{}
	for name, s := range o.state {
		var t int
		switch v := s.(type) {
		case *moments[float32]:
			out["m/"+name], out["v/"+name], t = vec(v.m), vec(v.v), v.t
		case *moments[float64]:
			out["m/"+name], out["v/"+name], t = vec(v.m), vec(v.v), v.t
		}
		out["t/"+name] = vec([]float64{float64(t)})
	}
	return out
}

// SetOptimizerState restores the moments and step counts.
func (o *Adam) SetOptimizerState(ts map[string]*tensor.Dense) error {
	state := map[string]any{}
	for key := range ts {
		kind, name, _ := strings.Cut(key, "/")
		if kind != "m" && kind != "v" && kind != "t" {
			return errors.Errorf("train: Adam state: unexpected tensor %q", key)
		}
		if state[name] != nil {
			continue
		}
		m, v, step := ts["m/"+name], ts["v/"+name], ts["t/"+name]
		if m == nil || v == nil || step == nil || v.Dtype() != m.Dtype() || v.Shape().TotalSize() != m.Shape().TotalSize() {
			return errors.Errorf("train: Adam state of %q: m, v and t missing or mismatched", name)
		}
		c, ok := step.Data().([]float64)
		if !ok || len(c) != 1 || c[0] < 0 || c[0] != math.Trunc(c[0]) || c[0] > 1<<53 {
			return errors.Errorf("train: Adam state of %q: bad step count %v", name, step)
		}
		switch md := m.Data().(type) {
		case []float32:
			state[name] = &moments[float32]{m: slices.Clone(md), v: slices.Clone(v.Data().([]float32)), t: int(c[0])}
		case []float64:
			state[name] = &moments[float64]{m: slices.Clone(md), v: slices.Clone(v.Data().([]float64)), t: int(c[0])}
		default:
			return errors.Errorf("train: Adam state of %q has dtype %v", name, m.Dtype())
		}
	}
	o.state = state
	return nil
}

// vec copies x into a 1-dimensional tensor.
func vec[T float](x []T) *tensor.Dense {
	return tensor.New(tensor.WithShape(len(x)), tensor.WithBacking(slices.Clone(x)))
}
