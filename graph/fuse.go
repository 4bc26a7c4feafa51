package graph

import (
	"github.com/convzoo/convzoo/graph/op"
	G "gorgonia.org/gorgonia"
)

// fuse returns x with f merged into the convolution that made x
// (op.FuseConv), or nil where it may not be merged. It may when fusion
// is on (in the evaluation graphs Compile builds) and x is the output of
// Conv2d, or of one already merged with what comes before f, that
// nothing reads yet. The fused node replaces x; x stays in the graph,
// but Compile's machine, which runs only what the logits depend on,
// never runs it. Should a later layer read x as well, the convolution
// runs twice: correct, only slower. The caller records the layer.
func (b *Builder) fuse(x *G.Node, f op.Fusion) (*G.Node, error) {
	if !b.s.fuse || b.s.training || !op.CanFuse(x, f) || b.s.g.To(x.ID()).Len() != 0 {
		return nil, nil
	}
	return op.FuseConv(x, f)
}

// fusePool returns the max pooling p of x merged with the convolution
// that made x (op.FuseConvPool: LeNet-5's conv, ReLU and pooling as one
// pass per sample), or nil where it may not be merged: as fuse, for the
// convolutions and poolings op.CanFuseConvPool accepts.
func (b *Builder) fusePool(x *G.Node, p op.PoolParams) (*G.Node, error) {
	if !b.s.fuse || b.s.training || !op.CanFuseConvPool(x, p) || b.s.g.To(x.ID()).Len() != 0 {
		return nil, nil
	}
	return op.FuseConvPool(x, p)
}
