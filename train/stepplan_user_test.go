package train

import (
	"math/rand"
	"testing"

	"github.com/convzoo/convzoo/data"
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
		run := func(noPlan bool) ([]float64, *graph.Params) {
			ps := graph.NewParams()
			s, err := CompileStep(awkward, ps, StepConfig{Batch: 3, Input: []int{2, 8, 8}, Dtype: dt, LR: 0.05, Optimizer: &SGD{Momentum: 0.9}, Seed: 3, noPlan: noPlan})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if !noPlan && (s.n.plan.Values == 0 || s.n.plan.Slab >= s.n.plan.Bytes) {
				t.Errorf("plan %+v: shares nothing", s.n.plan)
			}
			rng := rand.New(rand.NewSource(5))
			var losses []float64
			for range 3 {
				b := &data.Batch{X: make([]float32, 3*2*8*8), Labels: make([]int, 3), N: 3}
				for i := range b.X {
					b.X[i] = float32(rng.NormFloat64())
				}
				for i := range b.Labels {
					b.Labels[i] = rng.Intn(3)
				}
				r, err := s.Run(b)
				if err != nil {
					t.Fatal(err)
				}
				losses = append(losses, r.Loss)
			}
			return losses, ps
		}
		l0, p0 := run(true)
		l1, p1 := run(false)
		if !equal(l0, l1) {
			t.Errorf("%v: losses without the plan %v, with it %v", dt, l0, l1)
		}
		for _, name := range p0.Names() {
			if a, b := values(t, p0, name), values(t, p1, name); !equal(a, b) {
				t.Errorf("%v: %s differs after the steps with the plan", dt, name)
			}
		}
	}
}
