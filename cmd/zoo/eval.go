package main

import (
	"fmt"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/train"
	"github.com/pkg/errors"
	"github.com/spf13/cobra"
)

func evalCmd() *cobra.Command {
	var (
		m                     modelFlags
		weights, dataset, dir string
	)
	cmd := &cobra.Command{
		Use:     "eval MODEL --weights FILE",
		Short:   "Evaluate trained weights on a dataset's test set",
		Example: "  zoo eval lenet --weights runs/lenet/weights.safetensors",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, cfg, err := m.resolve(args[0])
			if err != nil {
				return err
			}
			if weights == "" {
				return errors.New("--weights FILE is required")
			}
			if err := readable("--weights", weights); err != nil {
				return err
			}
			src, err := openData(dataset, dir, m.size, spec)
			if err != nil {
				return err
			}
			// The graph is built and the weights loaded before the test
			// set is read, so that weights that do not fit are reported
			// at once.
			c, h, w := src.Channels, src.Size, src.Size
			if cfg.InChannels == 0 {
				cfg.InChannels = c
			}
			if err := classesFor(&cfg, src); err != nil {
				return err
			}
			ps := graph.NewParams()
			tr, err := train.New(spec.New(cfg), ps, train.Config{EvalBatch: m.batch, Mean: src.Mean, Std: src.Std, Input: []int{c, h, w}})
			if err != nil {
				return err
			}
			if err := train.LoadCheckpoint(ps, weights, spec.Name); err != nil {
				return err
			}
			testSet, err := src.load(false)
			if err != nil {
				return err
			}
			loss, acc, err := tr.Evaluate(testSet)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s on %s test set (%d images): loss %.4f accuracy %.2f%%\n", spec.Name, dataset, testSet.Len(), loss, 100*acc)
			return nil
		},
	}
	m.register(cmd, 1000)
	cmd.Flags().StringVar(&weights, "weights", "", "weights file (.safetensors)")
	cmd.Flags().StringVar(&dataset, "dataset", "mnist", "dataset: "+datasetNames)
	cmd.Flags().StringVar(&dir, "data", "", "dataset folder (mnist: embedded copy when empty); only the test split is read")
	return cmd
}
