package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/convzoo/convzoo/train"
	"github.com/pkg/errors"
	"github.com/spf13/cobra"
)

func evalCmd() *cobra.Command {
	var (
		m                                modelFlags
		weights, dataset, dir, confusion string
	)
	cmd := &cobra.Command{
		Use:   "eval MODEL --weights FILE",
		Short: "Evaluate trained weights on a dataset's test set",
		Long: `Evaluate trained weights on a dataset's test set: loss, top-1 and top-5
accuracy and the accuracy of each class; --confusion writes the confusion
matrix (rows: true class, columns: predicted) as CSV or as a PNG heat map.`,
		Example: "  zoo eval lenet --weights runs/lenet/weights.safetensors\n" +
			"  zoo eval lenet --weights runs/lenet/weights.safetensors --confusion confusion.png",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, cfg, err := m.resolve(args[0])
			if err != nil {
				return err
			}
			if weights == "" {
				return errors.New("--weights FILE is required")
			}
			if ext := strings.ToLower(filepath.Ext(confusion)); confusion != "" && ext != ".csv" && ext != ".png" {
				return errors.Errorf("--confusion %s: want a .csv or .png file name", confusion)
			}
			if err := readable("--weights", weights); err != nil {
				return err
			}
			if confusion != "" {
				if err := safefile.CheckOutput(confusion, weights); err != nil {
					return errors.Wrap(err, "--confusion")
				}
			}
			src, err := openData(dataset, dir, m.size, spec)
			if err != nil {
				return err
			}
			// The graph is built and the weights loaded before the test
			// set is read, so that weights that do not fit are reported
			// at once.
			c, h, w := src.Channels, src.Size, src.Size
			if err := fitData(&cfg, src); err != nil {
				return err
			}
			ps := graph.NewParams()
			tr, err := train.New(spec.New(cfg), ps, train.Config{EvalBatch: m.batch, Mean: src.Mean, Std: src.Std, Input: []int{c, h, w}})
			if err != nil {
				return err
			}
			if err := loadWeights(ps, weights, spec.Name, false, cmd.OutOrStdout()); err != nil {
				return err
			}
			testSet, err := src.load(false)
			if err != nil {
				return err
			}
			met, err := tr.EvaluateMetrics(testSet)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s on %s test set (%d images): loss %.4f accuracy %.2f%% top-5 %.2f%%\n",
				spec.Name, dataset, testSet.Len(), met.Loss(), 100*met.Acc(), 100*met.Top5Acc())
			classReport(out, met, testSet.ClassNames)
			if confusion != "" {
				if err := writeConfusion(confusion, met, testSet.ClassNames); err != nil {
					return err
				}
				fmt.Fprintf(out, "wrote %s\n", confusion)
			}
			return nil
		},
	}
	m.register(cmd, 1000)
	cmd.Flags().StringVar(&weights, "weights", "", "weights file: safetensors or a torch.save .pt/.pth")
	cmd.Flags().StringVar(&dataset, "dataset", "mnist", "dataset: "+datasetNames)
	cmd.Flags().StringVar(&dir, "data", "", "dataset folder (mnist: embedded copy when empty); only the test split is read")
	cmd.Flags().StringVar(&confusion, "confusion", "", "write the confusion matrix to FILE: .csv, or .png for a heat map with class names")
	return cmd
}
