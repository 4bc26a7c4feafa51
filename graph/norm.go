package graph

import (
	"github.com/convzoo/convzoo/graph/op"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BatchNormOpts configures BatchNorm; the zero value is PyTorch's
// default nn.BatchNorm2d(C): eps 1e-5, momentum 0.1, gamma 1, beta 0.
type BatchNormOpts struct {
	Eps      float64 // 0 means 1e-5 (torchvision's GoogLeNet uses 1e-3)
	Momentum float64 // 0 means 0.1; running = (1-m)·running + m·batch
	// ZeroInit starts gamma at 0 (ResNet's zero_init_residual).
	ZeroInit bool
}

// BatchNorm normalises x (N,C,H,W) or (N,C) per channel. Its parameters
// are name.weight and name.bias (gamma, beta) and its buffers
// name.running_mean and name.running_var, as in PyTorch. A training graph
// normalises with the batch statistics and updates the running ones in
// place; an evaluation graph uses the running ones and never writes them.
func (b *Builder) BatchNorm(name string, x *G.Node, o BatchNormOpts) *G.Node {
	if !b.ok(name, "BatchNorm", x) || !b.rank(name, "BatchNorm", x, 2, 4) {
		return nil
	}
	typ := "BatchNorm2d"
	if x.Shape().Dims() == 2 {
		typ = "BatchNorm1d"
	}
	c := x.Shape()[1]
	sc := b.Scope(name)
	gammaInit := Constant(1)
	if o.ZeroInit {
		gammaInit = Constant(0)
	}
	gamma, gp := sc.param("weight", tensor.Shape{c}, gammaInit, c, c, true)
	beta, bp := sc.param("bias", tensor.Shape{c}, Constant(0), c, c, true)
	setKind(gp, ParamNorm)
	setKind(bp, ParamNorm)
	mean := sc.buffer("running_mean", tensor.Shape{c}, Constant(0))
	variance := sc.buffer("running_var", tensor.Shape{c}, Constant(1))
	if b.s.err != nil {
		return nil
	}
	eps, mom := o.Eps, o.Momentum
	if eps == 0 {
		eps = 1e-5
	}
	if mom == 0 {
		mom = 0.1
	}
	stats := op.RunningStats{Mean: mean, Var: variance}
	if y, err := b.fuse(x, op.Fusion{BN: &op.BNFold{Gamma: gamma, Beta: beta, Stats: stats, Eps: eps}}); y != nil || err != nil {
		return b.done(name, typ, y, err)
	}
	y, err := op.BatchNorm(x, gamma, beta, stats, op.BNParams{Eps: eps, Momentum: mom, Training: b.s.training})
	return b.done(name, typ, y, err)
}

// LRNOpts configures LocalResponseNorm; the zero value is AlexNet's
// (Krizhevsky et al. 2012): size 5, alpha 1e-4, beta 0.75, k 2.
type LRNOpts struct {
	Size        int // 0 means 5
	Alpha, Beta float64
	K           float64
}

// LocalResponseNorm normalises x (N,C,H,W) across neighbouring channels,
// as torch.nn.LocalResponseNorm.
func (b *Builder) LocalResponseNorm(name string, x *G.Node, o LRNOpts) *G.Node {
	if !b.ok(name, "LocalResponseNorm", x) || !b.rank(name, "LocalResponseNorm", x, 4) {
		return nil
	}
	size := or(o.Size, 5)
	alpha, beta, k := o.Alpha, o.Beta, o.K
	if alpha == 0 {
		alpha = 1e-4
	}
	if beta == 0 {
		beta = 0.75
	}
	if k == 0 {
		k = 2
	}
	y, err := op.LRN(x, size, alpha, beta, k)
	return b.done(name, "LocalResponseNorm", y, err)
}
