package train

import (
	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/graph/op"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// compileMachine compiles the training graph g (graph.CompileMachine):
// with plan, the outputs of the custom ops share buffers wherever their
// lifetimes in the program do not overlap, so the gradients of a step
// need a few activations' worth of memory instead of one buffer each.
// keep lists the nodes read after a run (the loss, the logits, the
// gradients).
func compileMachine(g *G.ExprGraph, plan bool, keep G.Nodes) (G.VM, op.PlanStats, error) {
	vm, st, err := graph.CompileMachine(g, plan, keep)
	if err != nil {
		return nil, op.PlanStats{}, errors.Wrap(err, "train: the training graph")
	}
	return vm, st, nil
}
