package train

import (
	"slices"

	"github.com/convzoo/convzoo/graph/op"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// compileMachine compiles g into a TapeMachine. With plan, the outputs of
// the custom ops share buffers wherever their lifetimes in the program do
// not overlap (op.PlanBuffers): the gradients of a step need a few
// activations' worth of memory instead of one buffer each. keep lists the
// nodes read after a run (the loss, the logits, the gradients).
func compileMachine(g *G.ExprGraph, plan bool, keep G.Nodes) (G.VM, op.PlanStats, error) {
	prog, loc, err := G.Compile(g)
	if err != nil {
		return nil, op.PlanStats{}, errors.Wrap(err, "train: compiling the training graph")
	}
	var st op.PlanStats
	if plan {
		// Compile runs the nodes in the reverse of Sort's (stable) order.
		order, err := G.Sort(g)
		if err != nil {
			return nil, op.PlanStats{}, errors.Wrap(err, "train: ordering the training graph")
		}
		slices.Reverse(order)
		if st, err = op.PlanBuffers(order, loc, keep); err != nil {
			return nil, op.PlanStats{}, errors.Wrap(err, "train: planning the training graph's buffers")
		}
	}
	return G.NewTapeMachine(g, G.WithPrecompiled(prog, loc)), st, nil
}
