package graph

import (
	"slices"

	"github.com/convzoo/convzoo/graph/op"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// CompileMachine compiles g into a TapeMachine. With plan, the outputs of
// the custom ops share buffers wherever their lifetimes in the program do
// not overlap (op.PlanBuffers), and the convolutions share their scratch:
// a machine needs a few activations' worth of memory instead of one
// buffer for each. keep lists the nodes read after a run (the loss, the
// logits, the gradients). The graph must then run on this machine alone.
func CompileMachine(g *G.ExprGraph, plan bool, keep G.Nodes) (G.VM, op.PlanStats, error) {
	prog, loc, err := G.Compile(g)
	if err != nil {
		return nil, op.PlanStats{}, errors.Wrap(err, "graph: compiling the graph")
	}
	var st op.PlanStats
	if plan {
		// Compile runs the nodes in the reverse of Sort's (stable) order.
		order, err := G.Sort(g)
		if err != nil {
			return nil, op.PlanStats{}, errors.Wrap(err, "graph: ordering the graph")
		}
		slices.Reverse(order)
		if st, err = op.PlanBuffers(order, loc, keep); err != nil {
			return nil, op.PlanStats{}, errors.Wrap(err, "graph: planning the graph's buffers")
		}
	}
	return G.NewTapeMachine(g, G.WithPrecompiled(prog, loc)), st, nil
}
