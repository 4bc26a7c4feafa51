package graph

import (
	"github.com/convzoo/convzoo/graph/op"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LinearOpts configures Linear; the zero value is PyTorch's nn.Linear.
type LinearOpts struct {
	NoBias               bool
	WeightInit, BiasInit Initializer // nil: DefaultWeight, DefaultBias
}

// Linear adds a fully connected layer y = x·Wᵀ + b over x (N,in). Its
// parameters are name.weight (out,in) and name.bias (out), as PyTorch
// stores them.
func (b *Builder) Linear(name string, x *G.Node, out int, o LinearOpts) *G.Node {
	if !b.ok(name, "Linear", x) || !b.rank(name, "Linear", x, 2) {
		return nil
	}
	if out <= 0 {
		b.Failf(name, "Linear: %d output features", out)
		return nil
	}
	in := x.Shape()[1]
	sc := b.Scope(name)
	w, _ := sc.param("weight", tensor.Shape{out, in}, orInit(o.WeightInit, DefaultWeight), in, out, true)
	var bias *G.Node
	if !o.NoBias {
		var p *Param
		bias, p = sc.param("bias", tensor.Shape{out}, orInit(o.BiasInit, DefaultBias), in, out, true)
		setKind(p, ParamBias)
	}
	if b.s.err != nil {
		return nil
	}
	y, err := op.Linear(x, w, bias)
	return b.done(name, "Linear", y, err)
}
