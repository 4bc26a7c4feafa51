package train

import (
	"math/rand"
	"runtime"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

// TestOptimizerSplit: every optimizer of optimizers (and SGD and Adam with
// L2 weight decay), its update split
// over goroutines in ranges of a few elements, gives the same bits as
// the whole update on one goroutine, over three steps (momentum and
// moments included), in float32 and float64.
func TestOptimizerSplit(t *testing.T) {
	defer func(m, p int) { parallelMin = m; runtime.GOMAXPROCS(p) }(parallelMin, runtime.GOMAXPROCS(4))
	rng := rand.New(rand.NewSource(7))
	const n = 1001
	x := make([]float64, n)
	grads := make([][]float64, 3)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for s := range grads {
		grads[s] = make([]float64, n)
		for i := range grads[s] {
			grads[s][i] = rng.NormFloat64()
		}
	}
	run := func(mk func() Optimizer, dt tensor.Dtype, min int) []float64 {
		parallelMin = min
		opt, w := mk(), newParam("w", dt, x)
		for _, gs := range grads {
			g := newParam("g", dt, gs).Value
			if err := opt.Step([]*graph.Param{w}, []*tensor.Dense{g}, 0.1); err != nil {
				t.Fatal(err)
			}
		}
		return getData(w.Value)
	}
	type optCase struct {
		name string
		new  func() Optimizer
	}
	cases := []optCase{
		{"SGD L2", func() Optimizer { return &SGD{Momentum: 0.9, WeightDecay: 1e-2} }},
		{"Adam L2", func() Optimizer { return &Adam{WeightDecay: 1e-2} }},
	}
	for _, o := range optimizers {
		cases = append(cases, optCase{o.name, o.new})
	}
	for _, c := range cases {
		for _, dt := range dtypes {
			whole, split := run(c.new, dt, 1<<30), run(c.new, dt, 10)
			for i := range whole {
				if whole[i] != split[i] {
					t.Fatalf("%s %v: element %d split %v, whole %v", c.name, dt, i, split[i], whole[i])
				}
			}
		}
	}
}
