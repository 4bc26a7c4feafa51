package train

import (
	"math"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

// Three steps from w = 1 with the constant gradient 0.5 at lr 0.1, worked
// out by hand from the torch.optim update rules.
func TestThreeStepsByHand(t *testing.T) {
	s := 0.5 / (0.5 + 1e-8) // Adam's m̂/(√v̂+ε) for a constant gradient
	cases := []struct {
		name string
		opt  func() Optimizer
		want float64
	}{
		{"SGD", func() Optimizer { return &SGD{} }, 1 - 3*0.1*0.5},
		// g' = 0.5 + 0.1w: 1 → 0.94 → 0.8806 → 0.821794
		{"SGD/L2", func() Optimizer { return &SGD{WeightDecay: 0.1} }, 0.821794},
		// buf 0.5, 0.95, 1.355: 1 → 0.95 → 0.855 → 0.7195
		{"Momentum", func() Optimizer { return &SGD{Momentum: 0.9} }, 0.7195},
		// g + 0.9buf = 0.95, 1.355, 1.7195: 1 → 0.905 → 0.7695 → 0.59755
		{"Nesterov", func() Optimizer { return &SGD{Momentum: 0.9, Nesterov: true} }, 0.59755},
		{"Adam", func() Optimizer { return &Adam{} }, 1 - 3*0.1*s},
		// w ← 0.99w − 0.1s, three times
		{"AdamW", func() Optimizer { return &Adam{WeightDecay: 0.1, Decoupled: true} }, ((0.99-0.1*s)*0.99-0.1*s)*0.99 - 0.1*s},
	}
	for _, c := range cases {
		for _, dt := range dtypes {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				opt := c.opt()
				w := newParam("w", dt, []float64{1})
				g := tensor.New(tensor.WithShape(1), tensor.Of(dt))
				setData(g, []float64{0.5})
				for range 3 {
					if err := opt.Step([]*graph.Param{w}, []*tensor.Dense{g}, 0.1); err != nil {
						t.Fatal(err)
					}
				}
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 1e-6
				}
				if got := getData(w.Value)[0]; math.Abs(got-c.want) > tol {
					t.Errorf("w = %.10f, want %.10f", got, c.want)
				}
			})
		}
	}
}

// refStep is the update rule of torch.optim's documentation, written out
// plainly in float64 for one scalar, with its own state.
type refState struct {
	buf, m, v float64
	t         int
}

func refStep(name string, st *refState, w, g, lr float64) float64 {
	const mom, wd, b1, b2, eps = 0.9, 0.05, 0.8, 0.95, 1e-3
	switch name {
	case "Nesterov+L2":
		g += wd * w
		if st.t == 0 {
			st.buf = g
		} else {
			st.buf = mom*st.buf + g
		}
		st.t++
		return w - lr*(g+mom*st.buf)
	case "Adam+L2", "AdamW":
		st.t++
		if name == "AdamW" {
			w *= 1 - lr*wd
		} else {
			g += wd * w
		}
		st.m = b1*st.m + (1-b1)*g
		st.v = b2*st.v + (1-b2)*g*g
		mh := st.m / (1 - math.Pow(b1, float64(st.t)))
		vh := st.v / (1 - math.Pow(b2, float64(st.t)))
		return w - lr*mh/(math.Sqrt(vh)+eps)
	}
	panic(name)
}

// Two parameters, changing gradients, non-default hyper-parameters: three
// steps against the reference rule (which divides by the bias corrections
// the textbook way, while Adam folds them into the step size as PyTorch).
func TestThreeStepsReference(t *testing.T) {
	opts := map[string]func() Optimizer{
		"Nesterov+L2": func() Optimizer { return &SGD{Momentum: 0.9, Nesterov: true, WeightDecay: 0.05} },
		"Adam+L2":     func() Optimizer { return &Adam{Beta1: 0.8, Beta2: 0.95, Eps: 1e-3, WeightDecay: 0.05} },
		"AdamW":       func() Optimizer { return &Adam{Beta1: 0.8, Beta2: 0.95, Eps: 1e-3, WeightDecay: 0.05, Decoupled: true} },
	}
	grads := [][]float64{{0.5, -1, 2}, {0.2, 0.4, -0.7}, {-0.3, 0.1, 0.9}}
	for name, mk := range opts {
		for _, dt := range dtypes {
			t.Run(name+"/"+dt.String(), func(t *testing.T) {
				opt := mk()
				a, b := newParam("a", dt, []float64{1, -2}), newParam("b", dt, []float64{0.3})
				ga, gb := tensor.New(tensor.WithShape(2), tensor.Of(dt)), tensor.New(tensor.WithShape(1), tensor.Of(dt))
				want := []float64{1, -2, 0.3}
				states := make([]refState, 3)
				for step, g := range grads {
					setData(ga, g[:2])
					setData(gb, g[2:])
					if err := opt.Step([]*graph.Param{a, b}, []*tensor.Dense{ga, gb}, 0.1); err != nil {
						t.Fatal(err)
					}
					for i := range want {
						want[i] = refStep(name, &states[i], want[i], g[i], 0.1)
					}
					got := append(getData(a.Value), getData(b.Value)...)
					tol := 1e-12
					if dt == tensor.Float32 {
						tol = 2e-6
					}
					for i := range got {
						if math.Abs(got[i]-want[i]) > tol {
							t.Fatalf("step %d: got %v, want %v", step+1, got, want)
						}
					}
				}
			})
		}
	}
}

func TestOptimizerErrors(t *testing.T) {
	w := newParam("w", tensor.Float32, []float64{1, 2})
	g64 := tensor.New(tensor.WithShape(2), tensor.Of(tensor.Float64))
	g3 := tensor.New(tensor.WithShape(3), tensor.Of(tensor.Float32))
	for _, o := range optimizers {
		opt := o.new()
		if err := opt.Step([]*graph.Param{w}, nil, 0.1); err == nil {
			t.Errorf("%s: no error for a missing gradient", o.name)
		}
		if err := opt.Step([]*graph.Param{w}, []*tensor.Dense{g64}, 0.1); err == nil {
			t.Errorf("%s: no error for a float64 gradient of a float32 param", o.name)
		}
		if err := opt.Step([]*graph.Param{w}, []*tensor.Dense{g3}, 0.1); err == nil {
			t.Errorf("%s: no error for a gradient of another shape", o.name)
		}
	}
}
