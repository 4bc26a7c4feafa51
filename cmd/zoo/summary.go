package main

import (
	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/zoo"
	"github.com/spf13/cobra"
	G "gorgonia.org/gorgonia"
)

func summaryCmd() *cobra.Command {
	var m modelFlags
	cmd := &cobra.Command{
		Use:   "summary MODEL",
		Short: "Print a model's layers, output shapes and parameter counts",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, cfg, err := m.resolve(args[0])
			if err != nil {
				return err
			}
			b, _, _, err := build(spec, cfg, graph.NewParams(), false, m.batch, m.size)
			if err != nil {
				return err
			}
			return b.Summary(cmd.OutOrStdout())
		},
	}
	m.register(cmd, 1)
	return cmd
}

// build adds spec's model to a new builder over ps with a batch of the
// given size, at the given spatial size (0: the spec's default), and
// returns the builder, the input node and the logits.
func build(spec zoo.Spec, cfg zoo.Config, ps *graph.Params, training bool, batch, size int) (*graph.Builder, *G.Node, *G.Node, error) {
	b := graph.NewBuilder(ps, graph.Config{Training: training})
	c, h, w := inputDims(spec, cfg, size)
	x := b.Input("input", batch, c, h, w)
	y := spec.New(cfg)(b, x)
	if err := b.Err(); err != nil {
		return nil, nil, nil, err
	}
	return b, x, y, nil
}
