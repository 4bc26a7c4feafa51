package train

import (
	"fmt"
	"math"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

// A problem is a function with a known minimum, for the optimizer table.
type problem struct {
	name  string
	x0    []float64
	min   []float64
	grad  func(x, g []float64)
	iters int
}

var problems = []problem{
	{
		name: "quadratic", x0: []float64{0, 0, 0}, min: []float64{1, -2, 0.5}, iters: 3000,
		grad: func(x, g []float64) { // f = Σ a_i (x_i - c_i)²/2
			a, c := []float64{1, 4, 10}, []float64{1, -2, 0.5}
			for i := range x {
				g[i] = a[i] * (x[i] - c[i])
			}
		},
	},
	{
		name: "rosenbrock", x0: []float64{-1.2, 1}, min: []float64{1, 1}, iters: 30000,
		grad: func(x, g []float64) { // f = (1-x)² + 100(y-x²)²
			g[0] = -2*(1-x[0]) - 400*x[0]*(x[1]-x[0]*x[0])
			g[1] = 200 * (x[1] - x[0]*x[0])
		},
	},
}

// optimizers run over every problem, each with its learning rate per problem.
var optimizers = []struct {
	name string
	new  func() Optimizer
	lr   map[string]float64
}{
	{"SGD", func() Optimizer { return &SGD{} }, map[string]float64{"quadratic": 0.05, "rosenbrock": 1e-3}},
	{"Momentum", func() Optimizer { return &SGD{Momentum: 0.9} }, map[string]float64{"quadratic": 0.01, "rosenbrock": 2e-4}},
	{"Nesterov", func() Optimizer { return &SGD{Momentum: 0.9, Nesterov: true} }, map[string]float64{"quadratic": 0.01, "rosenbrock": 2e-4}},
	{"Adam", func() Optimizer { return &Adam{} }, map[string]float64{"quadratic": 0.01, "rosenbrock": 2e-3}},
	{"AdamW", func() Optimizer { return &Adam{Decoupled: true, WeightDecay: 1e-6} }, map[string]float64{"quadratic": 0.01, "rosenbrock": 2e-3}},
}

var dtypes = []tensor.Dtype{tensor.Float32, tensor.Float64}

func newParam(name string, dt tensor.Dtype, x []float64) *graph.Param {
	t := tensor.New(tensor.WithShape(len(x)), tensor.Of(dt))
	setData(t, x)
	return &graph.Param{Name: name, Value: t, Trainable: true}
}

func setData(t *tensor.Dense, x []float64) {
	switch d := t.Data().(type) {
	case []float32:
		for i, v := range x {
			d[i] = float32(v)
		}
	case []float64:
		copy(d, x)
	}
}

func getData(t *tensor.Dense) []float64 {
	switch d := t.Data().(type) {
	case []float32:
		r := make([]float64, len(d))
		for i, v := range d {
			r[i] = float64(v)
		}
		return r
	case []float64:
		return append([]float64(nil), d...)
	}
	return nil
}

func TestOptimizersConverge(t *testing.T) {
	for _, o := range optimizers {
		for _, p := range problems {
			for _, dt := range dtypes {
				t.Run(fmt.Sprintf("%s/%s/%v", o.name, p.name, dt), func(t *testing.T) {
					opt, lr := o.new(), o.lr[p.name]
					w := newParam("w", dt, p.x0)
					g := tensor.New(tensor.WithShape(len(p.x0)), tensor.Of(dt))
					gx := make([]float64, len(p.x0))
					for range p.iters {
						p.grad(getData(w.Value), gx)
						setData(g, gx)
						if err := opt.Step([]*graph.Param{w}, []*tensor.Dense{g}, lr); err != nil {
							t.Fatal(err)
						}
					}
					got := getData(w.Value)
					for i := range got {
						if math.Abs(got[i]-p.min[i]) > 1e-2 {
							t.Fatalf("after %d steps x = %v, want %v ± 1e-2", p.iters, got, p.min)
						}
					}
				})
			}
		}
	}
}
