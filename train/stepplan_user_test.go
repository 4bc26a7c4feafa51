package train

import (
	"testing"

	"github.com/convzoo/convzoo/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// awkward is a user-built model whose values outlive their nodes in ways
// the zoo does not: an activation read again at the very end (a long
// skip), Add of a node with itself, a ReLU's input also read later,
// Concat of a node with itself, a Gorgonia op (Mul by a constant) between
// custom ops, and the second of two Adds over one input.
func awkward(b *graph.Builder, x *G.Node) *G.Node {
	a := b.Conv2d("c1", x, 4, 3, graph.Conv2dOpts{Padding: 1})
	r := b.ReLU("r1", a)
	d := b.Add("dbl", r, r)
	c := b.Conv2d("c2", d, 4, 3, graph.Conv2dOpts{Padding: 1})
	e := b.Add("res", c, a) // a read again after r, d, c
	s := b.SubsamplePad("sp", e, 2, 2, 2)
	t := b.Concat("cat", s, s)
	u := b.ReLU("r2", t)
	k, err := G.Mul(u, G.NewConstant(tensorScalar(b.Dtype(), 0.5)))
	if err != nil {
		b.Fail(err)
		return nil
	}
	p := b.MaxPool2d("p", k, 2, graph.PoolOpts{})
	q := b.AdaptiveAvgPool2d("ap", a, 2, 2) // a, the first activation, read last
	f := b.Concat("cat2", p, b.Conv2d("c3", q, 16, 1, graph.Conv2dOpts{}))
	return b.Linear("fc", b.Flatten("fl", f), 3, graph.LinearOpts{})
}

func tensorScalar(dt tensor.Dtype, v float64) G.Value {
	if dt == tensor.Float64 {
		return G.NewF64(v)
	}
	return G.NewF32(float32(v))
}

// TestBufferPlanUserGraph: awkward trains bit-identically with the
// buffer plan and without it, in float32 and float64.
func TestBufferPlanUserGraph(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			checkPlanBitIdentical(t, awkward, StepConfig{Batch: 3, Input: []int{2, 8, 8}, Dtype: dt, LR: 0.05, Seed: 3}, func() Optimizer { return &SGD{Momentum: 0.9} })
		})
	}
}
