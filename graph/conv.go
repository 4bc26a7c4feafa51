package graph

import (
	"github.com/convzoo/convzoo/graph/op"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Conv2dOpts configures Conv2d; the zero value is PyTorch's default
// nn.Conv2d(in, out, kernel): stride 1, no padding, dilation 1, a bias,
// kaiming-uniform weights.
type Conv2dOpts struct {
	Stride   int // 0 means 1
	Padding  int // zero padding on every side
	Dilation int // 0 means 1
	NoBias   bool
	// WeightInit and BiasInit replace DefaultWeight and DefaultBias.
	WeightInit, BiasInit Initializer
}

// Conv2d adds a 2-D convolution of x (N,C,H,W) with outCh square kernels
// of size kernel. Its parameters are name.weight (outCh,C,k,k) and
// name.bias (outCh), as in PyTorch.
func (b *Builder) Conv2d(name string, x *G.Node, outCh, kernel int, o Conv2dOpts) *G.Node {
	if !b.ok(name, "Conv2d", x) || !b.rank(name, "Conv2d", x, 4) {
		return nil
	}
	if outCh <= 0 || kernel <= 0 || o.Stride < 0 || o.Padding < 0 || o.Dilation < 0 {
		b.Failf(name, "Conv2d: bad settings out=%d kernel=%d %+v", outCh, kernel, o)
		return nil
	}
	if max(kernel, o.Stride, o.Padding, o.Dilation) > MaxElements {
		b.Failf(name, "Conv2d: kernel %d, stride %d, padding %d or dilation %d above %d", kernel, o.Stride, o.Padding, o.Dilation, MaxElements)
		return nil
	}
	s, d := or(o.Stride, 1), or(o.Dilation, 1)
	inCh := x.Shape()[1]
	fanIn, fanOut := inCh*kernel*kernel, outCh*kernel*kernel
	sc := b.Scope(name)
	w, _ := sc.param("weight", tensor.Shape{outCh, inCh, kernel, kernel}, orInit(o.WeightInit, DefaultWeight), fanIn, fanOut, true)
	var bias *G.Node
	if !o.NoBias {
		var p *Param
		bias, p = sc.param("bias", tensor.Shape{outCh}, orInit(o.BiasInit, DefaultBias), fanIn, fanOut, true)
		setKind(p, ParamBias)
	}
	if b.s.err != nil {
		return nil
	}
	y, err := op.Conv2d(x, w, bias, op.ConvParams{StrideH: s, StrideW: s, PadH: o.Padding, PadW: o.Padding, DilationH: d, DilationW: d})
	if err == nil {
		// The im2col columns of one sample, (C·k·k, OH·OW), are a tensor too.
		ys := y.Shape()
		if !b.fits(name, "Conv2d: output", ys) || !b.fits(name, "Conv2d: im2col columns", []int{inCh, kernel, kernel, ys[2], ys[3]}) {
			return nil
		}
	}
	return b.done(name, "Conv2d", y, err)
}

func or(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orInit(i, def Initializer) Initializer {
	if i == nil {
		return def
	}
	return i
}
