package graph

import (
	"github.com/convzoo/convzoo/graph/op"
	G "gorgonia.org/gorgonia"
)

// PoolOpts configures MaxPool2d and AvgPool2d with square windows; the
// zero value of each field is PyTorch's default.
type PoolOpts struct {
	Stride   int  // 0 means the kernel size
	Padding  int  // implicit padding on every side (-inf for max, 0 for average)
	CeilMode bool // round the output size up, as PyTorch's ceil_mode=True
	// ExcludePad leaves padding out of the average's divisor
	// (PyTorch's count_include_pad=False). AvgPool2d only.
	ExcludePad bool
}

func (o PoolOpts) params(kernel int) op.PoolParams {
	s := or(o.Stride, kernel)
	return op.PoolParams{KH: kernel, KW: kernel, SH: s, SW: s, PH: o.Padding, PW: o.Padding, CeilMode: o.CeilMode, ExcludePad: o.ExcludePad}
}

// MaxPool2d adds max pooling over kernel x kernel windows of x (N,C,H,W).
func (b *Builder) MaxPool2d(name string, x *G.Node, kernel int, o PoolOpts) *G.Node {
	if !b.ok(name, "MaxPool2d", x) || !b.rank(name, "MaxPool2d", x, 4) {
		return nil
	}
	if y, err := b.fusePool(x, o.params(kernel)); y != nil || err != nil {
		return b.done(name, "MaxPool2d", y, err)
	}
	y, err := op.MaxPool2d(x, o.params(kernel))
	return b.done(name, "MaxPool2d", y, err)
}

// AvgPool2d adds average pooling over kernel x kernel windows of x.
func (b *Builder) AvgPool2d(name string, x *G.Node, kernel int, o PoolOpts) *G.Node {
	if !b.ok(name, "AvgPool2d", x) || !b.rank(name, "AvgPool2d", x, 4) {
		return nil
	}
	y, err := op.AvgPool2d(x, o.params(kernel))
	return b.done(name, "AvgPool2d", y, err)
}

// AdaptiveAvgPool2d averages x (N,C,H,W) into (N,C,oh,ow) with PyTorch's
// bins; (1,1) is global average pooling.
func (b *Builder) AdaptiveAvgPool2d(name string, x *G.Node, oh, ow int) *G.Node {
	if !b.ok(name, "AdaptiveAvgPool2d", x) || !b.rank(name, "AdaptiveAvgPool2d", x, 4) {
		return nil
	}
	// The op lays out its bins at build time: check the size first.
	if s := x.Shape(); oh > 0 && ow > 0 && !b.fits(name, "AdaptiveAvgPool2d: output", []int{s[0], s[1], oh, ow}) {
		return nil
	}
	y, err := op.AdaptiveAvgPool2d(x, oh, ow)
	return b.done(name, "AdaptiveAvgPool2d", y, err)
}
