package train

import (
	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// ema is an exponential moving average of a Params store, as torchvision's
// ExponentialMovingAverage (references/classification/utils.py): the first
// update copies the weights, every later one sets
//
//	ema ← decay·ema + (1−decay)·w
//
// for each trainable parameter; buffers (batch-norm running statistics)
// are copied (torchvision 0.14 averages them too). The Trainer updates it
// after the steps whose index within the epoch is a multiple of every, as
// train.py's `i % model_ema_steps == 0`.
type ema struct {
	decay   float64
	every   int
	store   *graph.Params
	updates int // updates done; the first one copies
}

func newEMA(ps *graph.Params, decay float64, every int) *ema {
	return &ema{decay: decay, every: max(every, 1), store: ps.Clone()}
}

// due says whether the step of index i (from 0) within its epoch updates.
func (e *ema) due(i int) bool { return i%e.every == 0 }

// update folds the current values of ps into the average.
func (e *ema) update(ps *graph.Params) error {
	first := e.updates == 0
	e.updates++
	return e.each(ps, func(p *graph.Param, a, w *tensor.Dense) {
		if first || !p.Trainable {
			copy32or64(a, w)
			return
		}
		switch a := a.Data().(type) {
		case []float32:
			average(a, w.Data().([]float32), e.decay)
		case []float64:
			average(a, w.Data().([]float64), e.decay)
		}
	})
}

func average[T float](a, w []T, decay float64) {
	d, c := T(decay), T(1-decay) // 1−decay in float64 first, as PyTorch's Python scalars
	for i, v := range w {
		a[i] = T(d*a[i]) + T(c*v) // rounded products, never fused: two tensor ops in PyTorch
	}
}

// swap exchanges the values of ps and the average in place, so graphs bound
// to ps see the average; a second swap undoes it.
func (e *ema) swap(ps *graph.Params) error {
	return e.each(ps, func(_ *graph.Param, a, w *tensor.Dense) {
		switch a := a.Data().(type) {
		case []float32:
			swapData(a, w.Data().([]float32))
		case []float64:
			swapData(a, w.Data().([]float64))
		}
	})
}

func swapData[T float](a, b []T) {
	for i := range a {
		a[i], b[i] = b[i], a[i]
	}
}

func copy32or64(dst, src *tensor.Dense) {
	switch d := dst.Data().(type) {
	case []float32:
		copy(d, src.Data().([]float32))
	case []float64:
		copy(d, src.Data().([]float64))
	}
}

// each calls f with every parameter of ps, its average and its value,
// after checking that both stores have the same names, dtypes and shapes.
func (e *ema) each(ps *graph.Params, f func(p *graph.Param, avg, w *tensor.Dense)) error {
	if ps.Len() != e.store.Len() {
		return errors.Errorf("train: EMA: the store has %d tensors, the average %d", ps.Len(), e.store.Len())
	}
	for _, p := range ps.All() {
		a, ok := e.store.Get(p.Name)
		if !ok || !a.Value.Shape().Eq(p.Value.Shape()) || a.Value.Dtype() != p.Value.Dtype() {
			return errors.Errorf("train: EMA: parameter %q changed since the average was made", p.Name)
		}
		switch p.Value.Dtype() {
		case tensor.Float32, tensor.Float64:
		default:
			return errors.Errorf("train: EMA: parameter %q has dtype %v (want float32 or float64)", p.Name, p.Value.Dtype())
		}
		f(p, a.Value, p.Value)
	}
	return nil
}
