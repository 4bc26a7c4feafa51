package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/zoo"
	"github.com/spf13/cobra"
)

func listCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the models with their parameter counts, input shapes and papers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "MODEL\tPARAMS\tINPUT\tCLASSES\tPAPER")
			for _, s := range zoo.Specs() {
				fmt.Fprintf(tw, "%s\t%s\t%dx%dx%d\t%d\t%s\n", s.Name, graph.Thousands(s.Params), s.Input[0], s.Input[1], s.Input[2], s.Classes, s.Paper)
			}
			return tw.Flush()
		},
	}
}
