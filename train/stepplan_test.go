package train

import (
	"math/rand"
	"testing"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/zoo"
	"gorgonia.org/tensor"
)

// TestBufferPlanBitIdentical trains each model a few steps with the
// buffer plan and without it, from the same weights and batches: the
// losses and every parameter after the steps must be equal bit for bit.
// The models cover every way a value outlives its node: residual sums,
// in-place ReLU, the option-A shortcut's Concat, Reshape, dropout, the
// auxiliary heads and the branches of GoogLeNet.
func TestBufferPlanBitIdentical(t *testing.T) {
	type tc struct {
		name  string
		model graph.Model
		batch int
		input []int
		dt    tensor.Dtype
		opt   func() Optimizer
		long  bool // skipped under -short
	}
	zm := func(name string, cfg zoo.Config) graph.Model {
		s, err := zoo.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		return s.New(cfg)
	}
	cases := []tc{
		{name: "tiny-f64-sgd", model: tiny, batch: 8, input: []int{1, 8, 8}, dt: tensor.Float64, opt: func() Optimizer { return &SGD{Momentum: 0.9} }},
		{name: "lenet-adam", model: zm("lenet", zoo.Config{}), batch: 8, input: []int{1, 28, 28}, opt: func() Optimizer { return &Adam{} }},
		{name: "resnet20-sgd", model: zm("resnet20", zoo.Config{}), batch: 4, input: []int{3, 16, 16}, opt: func() Optimizer { return &SGD{Momentum: 0.9, WeightDecay: 1e-4} }},
		{name: "resnet18-adam", model: zm("resnet18", zoo.Config{Classes: 10}), batch: 2, input: []int{3, 32, 32}, opt: func() Optimizer { return &Adam{} }, long: true},
		{name: "googlenet-aux", model: zm("googlenet", zoo.Config{Classes: 10, AuxLogits: true}), batch: 2, input: []int{3, 64, 64}, opt: func() Optimizer { return &SGD{} }, long: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.long && testing.Short() {
				t.Skip("long")
			}
			checkPlanBitIdentical(t, c.model, StepConfig{Batch: c.batch, Input: c.input, Dtype: c.dt, LR: 0.01, Seed: 3}, c.opt)
		})
	}
}

// checkPlanBitIdentical trains model three steps from cfg with the buffer
// plan and without it (opt makes each run's fresh optimizer), on the same
// weights and batches, and fails t unless the losses and every parameter
// after the steps are equal bit for bit and the plan shares something.
func checkPlanBitIdentical(t *testing.T, model graph.Model, cfg StepConfig, opt func() Optimizer) {
	t.Helper()
	run := func(noPlan bool) ([]float64, *graph.Params) {
		ps := graph.NewParams()
		c := cfg
		c.Optimizer, c.noPlan = opt(), noPlan
		s, err := CompileStep(model, ps, c)
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
			b := &data.Batch{X: make([]float32, c.Batch*c.Input[0]*c.Input[1]*c.Input[2]), Labels: make([]int, c.Batch), N: c.Batch}
			for i := range b.X {
				b.X[i] = float32(rng.NormFloat64())
			}
			for i := range b.Labels {
				b.Labels[i] = rng.Intn(s.Classes())
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
		t.Errorf("losses without the plan %v, with it %v", l0, l1)
	}
	for _, name := range p0.Names() {
		if a, b := values(t, p0, name), values(t, p1, name); !equal(a, b) {
			t.Errorf("%s differs after the steps with the plan", name)
		}
	}
}
