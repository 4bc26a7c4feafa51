package graph

import (
	"github.com/convzoo/convzoo/graph/op"
	G "gorgonia.org/gorgonia"
)

// Dropout zeroes each element with probability p during training and
// scales the rest by 1/(1-p), so evaluation is the identity. Masks come
// from the Builder's Rand, so a run repeats bit for bit.
func (b *Builder) Dropout(name string, x *G.Node, p float64) *G.Node {
	if !b.ok(name, "Dropout", x) {
		return nil
	}
	if p < 0 || p >= 1 {
		b.Failf(name, "Dropout: probability %g outside [0, 1)", p)
		return nil
	}
	if !b.s.training || p == 0 {
		b.record(name, "Dropout", x)
		return x
	}
	y, err := op.Dropout(x, p, b.s.rng)
	return b.done(name, "Dropout", y, err)
}
