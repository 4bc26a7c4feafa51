package graph

import (
	"github.com/convzoo/convzoo/graph/op"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// ReLU adds max(x, 0).
func (b *Builder) ReLU(name string, x *G.Node) *G.Node {
	if !b.ok(name, "ReLU", x) {
		return nil
	}
	if y, err := b.fuse(x, op.Fusion{ReLU: true}); y != nil || err != nil {
		return b.done(name, "ReLU", y, err)
	}
	y, err := op.ReLU(x)
	return b.done(name, "ReLU", y, err)
}

// Softmax adds a softmax over the last axis of x (N,K).
func (b *Builder) Softmax(name string, x *G.Node) *G.Node {
	if !b.ok(name, "Softmax", x) || !b.rank(name, "Softmax", x, 2) {
		return nil
	}
	y, err := G.SoftMax(x)
	return b.done(name, "Softmax", y, errors.Wrap(err, "softmax"))
}

// LogSoftmax adds a log-softmax over the last axis of x (N,K).
func (b *Builder) LogSoftmax(name string, x *G.Node) *G.Node {
	if !b.ok(name, "LogSoftmax", x) || !b.rank(name, "LogSoftmax", x, 2) {
		return nil
	}
	y, err := G.LogSoftMax(x)
	return b.done(name, "LogSoftmax", y, errors.Wrap(err, "log-softmax"))
}
