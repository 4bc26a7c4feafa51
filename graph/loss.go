package graph

import (
	"github.com/convzoo/convzoo/graph/op"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// CrossEntropyOpts configures CrossEntropyWith; the zero value is plain
// cross-entropy.
type CrossEntropyOpts struct {
	// LabelSmoothing eps in [0,1) mixes the one-hot target with the
	// uniform distribution, as torch.nn.CrossEntropyLoss(label_smoothing):
	// loss = (1-eps)·nll + eps·mean_k(-log p_k). 0 means none.
	LabelSmoothing float64
}

// CrossEntropy is the mean softmax cross-entropy of logits (N,K) against
// labels (N): class indices stored as the graph's float dtype, where a
// negative label marks a padded row that does not count.
func (b *Builder) CrossEntropy(logits, labels *G.Node) *G.Node {
	return b.CrossEntropyWith(logits, labels, CrossEntropyOpts{})
}

// CrossEntropyWith is CrossEntropy with options (label smoothing).
func (b *Builder) CrossEntropyWith(logits, labels *G.Node, o CrossEntropyOpts) *G.Node {
	if !b.ok("loss", "CrossEntropy", logits, labels) {
		return nil
	}
	y, err := op.SmoothedCrossEntropy(logits, labels, o.LabelSmoothing)
	if err != nil {
		b.Fail(errors.Wrap(err, "graph: cross-entropy"))
		return nil
	}
	return y
}
