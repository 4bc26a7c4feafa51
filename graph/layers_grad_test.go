package graph

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// layerGradTol: max over elements of |analytic-numeric| / max(|analytic|,
// |numeric|, 1e-3), float64, central differences with step 1e-6.
const layerGradTol = 1e-5

// checkLayer builds f over a float64 input of the given shape through a
// Builder, reduces the output to sum(out ⊙ r) and compares the symbolic
// gradients of the input and of every learnable parameter with central
// differences.
func checkLayer(t *testing.T, inShape []int, training bool, f func(b *Builder, x *G.Node) *G.Node) {
	t.Helper()
	rng := rand.New(rand.NewSource(5))
	b := NewBuilder(NewParams(), Config{Training: training, Dtype: tensor.Float64, Rand: rng})
	xv := tensor.New(tensor.WithShape(inShape...), tensor.Of(tensor.Float64))
	Uniform(1)(rng, xv, 0, 0)
	x := G.NodeFromAny(b.Graph(), xv, G.WithName("x"))
	out := f(b, x)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	n := out.Shape().TotalSize()
	flat, err := G.Reshape(out, tensor.Shape{n})
	if err != nil {
		t.Fatal(err)
	}
	rv := tensor.New(tensor.WithShape(n), tensor.Of(tensor.Float64))
	Uniform(1)(rng, rv, 0, 0)
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(flat, G.NodeFromAny(b.Graph(), rv, G.WithName("r")))), 0))
	wrt := append(G.Nodes{x}, b.Learnables()...)
	vals := append([]*tensor.Dense{xv}, func() (r []*tensor.Dense) {
		for _, p := range b.LearnableParams() {
			r = append(r, p.Value)
		}
		return
	}()...)
	grads, err := G.Grad(cost, wrt...)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(b.Graph())
	defer vm.Close()
	eval := func() float64 {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return float64(*cost.Value().(*G.F64))
	}
	eval()
	analytic := make([][]float64, len(grads))
	for i, g := range grads {
		analytic[i] = append([]float64(nil), g.Value().Data().([]float64)...)
	}
	worst, where := 0.0, ""
	for i, v := range vals {
		d := v.Data().([]float64)
		for k := range d {
			orig := d[k]
			d[k] = orig + 1e-6
			p := eval()
			d[k] = orig - 1e-6
			m := eval()
			d[k] = orig
			num, a := (p-m)/2e-6, analytic[i][k]
			if e := math.Abs(a-num) / math.Max(math.Max(math.Abs(a), math.Abs(num)), 1e-3); e > worst {
				worst, where = e, fmt.Sprintf("%s[%d]: analytic %g numeric %g", wrt[i].Name(), k, a, num)
			}
		}
	}
	if worst > layerGradTol {
		t.Fatalf("gradient mismatch %s (rel err %.3g > %g)", where, worst, layerGradTol)
	}
	t.Logf("max rel err %.3g over %d tensors", worst, len(vals))
}

func TestLayerGradients(t *testing.T) {
	cases := []struct {
		name     string
		in       []int
		training bool
		f        func(b *Builder, x *G.Node) *G.Node
	}{
		{"conv", []int{2, 2, 5, 5}, false, func(b *Builder, x *G.Node) *G.Node {
			return b.Conv2d("c", x, 3, 3, Conv2dOpts{Padding: 1})
		}},
		{"conv-stride2-dilation2-nobias", []int{1, 2, 7, 7}, false, func(b *Builder, x *G.Node) *G.Node {
			return b.Conv2d("c", x, 2, 3, Conv2dOpts{Stride: 2, Padding: 2, Dilation: 2, NoBias: true})
		}},
		{"conv-1x1", []int{2, 3, 3, 3}, false, func(b *Builder, x *G.Node) *G.Node {
			return b.Conv2d("c", x, 2, 1, Conv2dOpts{})
		}},
		{"maxpool-ceil", []int{1, 2, 6, 6}, false, func(b *Builder, x *G.Node) *G.Node {
			return b.MaxPool2d("p", x, 3, PoolOpts{Stride: 2, CeilMode: true})
		}},
		{"avgpool-pad", []int{1, 2, 5, 5}, false, func(b *Builder, x *G.Node) *G.Node {
			return b.AvgPool2d("p", x, 3, PoolOpts{Stride: 2, Padding: 1})
		}},
		{"adaptive", []int{1, 2, 5, 5}, false, func(b *Builder, x *G.Node) *G.Node {
			return b.AdaptiveAvgPool2d("p", x, 2, 3)
		}},
		{"batchnorm2d-train", []int{3, 2, 3, 3}, true, func(b *Builder, x *G.Node) *G.Node {
			return b.BatchNorm("bn", x, BatchNormOpts{})
		}},
		{"batchnorm1d-train", []int{4, 3}, true, func(b *Builder, x *G.Node) *G.Node {
			return b.BatchNorm("bn", x, BatchNormOpts{})
		}},
		{"batchnorm2d-eval", []int{2, 2, 3, 3}, false, func(b *Builder, x *G.Node) *G.Node {
			return b.BatchNorm("bn", x, BatchNormOpts{Eps: 1e-3})
		}},
		{"linear", []int{3, 4}, false, func(b *Builder, x *G.Node) *G.Node {
			return b.Linear("fc", x, 2, LinearOpts{})
		}},
		{"lrn", []int{1, 6, 2, 2}, false, func(b *Builder, x *G.Node) *G.Node {
			return b.LocalResponseNorm("lrn", x, LRNOpts{Alpha: 0.5})
		}},
		{"relu-concat-add-flatten", []int{1, 2, 3, 3}, false, func(b *Builder, x *G.Node) *G.Node {
			a := b.Conv2d("a", x, 2, 1, Conv2dOpts{})
			c := b.Concat("cat", b.ReLU("r", a), x)
			return b.Flatten("f", b.Add("add", c, c))
		}},
		{"log-softmax", []int{3, 4}, false, func(b *Builder, x *G.Node) *G.Node {
			return b.LogSoftmax("ls", x)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkLayer(t, c.in, c.training, c.f) })
	}
}
