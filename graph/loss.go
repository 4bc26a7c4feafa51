package graph

import (
	"github.com/convzoo/convzoo/graph/op"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// CrossEntropy is the mean softmax cross-entropy of logits (N,K) against
// labels (N): class indices stored as the graph's float dtype, where a
// negative label marks a padded row that does not count.
func (b *Builder) CrossEntropy(logits, labels *G.Node) *G.Node {
	if !b.ok("loss", "CrossEntropy", logits, labels) {
		return nil
	}
	y, err := op.SoftmaxCrossEntropy(logits, labels)
	if err != nil {
		b.Fail(errors.Wrap(err, "graph: cross-entropy"))
		return nil
	}
	return y
}
