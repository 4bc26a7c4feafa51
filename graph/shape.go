package graph

import (
	"github.com/convzoo/convzoo/graph/op"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Flatten reshapes x (N, ...) to (N, rest), as torch.flatten(x, 1).
func (b *Builder) Flatten(name string, x *G.Node) *G.Node {
	if !b.ok(name, "Flatten", x) {
		return nil
	}
	s := x.Shape()
	if s.Dims() < 2 {
		b.Failf(name, "Flatten: input shape %v has no batch axis", s)
		return nil
	}
	y, err := G.Reshape(x, tensor.Shape{s[0], s.TotalSize() / s[0]})
	return b.done(name, "Flatten", y, errors.Wrap(err, "reshape"))
}

// Concat joins xs along the channel axis (1); every other size must
// agree. It uses op.Concat (a copy per channel block, a buffer reused from
// step to step) instead of Gorgonia's iterator-based Concat.
func (b *Builder) Concat(name string, xs ...*G.Node) *G.Node {
	if !b.ok(name, "Concat", xs...) {
		return nil
	}
	if len(xs) == 0 {
		b.Failf(name, "Concat: no inputs")
		return nil
	}
	first := xs[0].Shape()
	for i, x := range xs[1:] {
		s := x.Shape()
		same := s.Dims() == first.Dims() && s.Dims() >= 2
		for d := 0; same && d < s.Dims(); d++ {
			same = d == 1 || s[d] == first[d]
		}
		if !same {
			b.Failf(name, "Concat: input %d has shape %v, input 0 has %v; all but the channel axis must agree", i+1, s, first)
			return nil
		}
	}
	if len(xs) == 1 {
		b.record(name, "Concat", xs[0])
		return xs[0]
	}
	y, err := op.Concat(xs...)
	return b.done(name, "Concat", y, errors.Wrap(err, "concat"))
}

// Add adds two tensors of the same shape (a residual connection) with
// op.Add, or, in Compile's graphs, in the output pass of the convolution
// that made one of them (see CompileConfig.NoFuse).
func (b *Builder) Add(name string, x, y *G.Node) *G.Node {
	if !b.ok(name, "Add", x, y) {
		return nil
	}
	if !x.Shape().Eq(y.Shape()) {
		b.Failf(name, "Add: shapes %v and %v differ", x.Shape(), y.Shape())
		return nil
	}
	// Either side may be a convolution's output (x + y is y + x to the bit).
	for _, p := range [][2]*G.Node{{x, y}, {y, x}} {
		if p[0] == p[1] {
			break
		}
		if z, err := b.fuse(p[0], op.Fusion{Residual: p[1]}); z != nil || err != nil {
			return b.done(name, "Add", z, err)
		}
	}
	z, err := op.Add(x, y)
	return b.done(name, "Add", z, errors.Wrap(err, "add"))
}

// SubsamplePad is the parameter-free shortcut of the CIFAR ResNets (He et
// al.'s option A) as one layer: x[:, :, ::stride, ::stride] with front
// zero channels before and back after (op.SubsamplePad: one pass each
// way, where a 1x1 max pool and a concatenation with zeros take two).
func (b *Builder) SubsamplePad(name string, x *G.Node, stride, front, back int) *G.Node {
	if !b.ok(name, "SubsamplePad", x) || !b.rank(name, "SubsamplePad", x, 4) {
		return nil
	}
	y, err := op.SubsamplePad(x, stride, front, back)
	return b.done(name, "SubsamplePad", y, err)
}
