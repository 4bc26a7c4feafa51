package main

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/convzoo/convzoo/train"
	"github.com/pkg/errors"
	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

func plotCmd() *cobra.Command {
	var (
		out           string
		width, height int
	)
	cmd := &cobra.Command{
		Use:   "plot RUNDIR... --out curves.png",
		Short: "Plot loss and accuracy per epoch of one or more training runs",
		Long: `Plot the loss and the accuracy per epoch from RUNDIR/history.csv (written by
zoo train --out RUNDIR), training as solid lines and test as dashed ones,
several runs overlaid, each named by its folder.`,
		Example: "  zoo plot runs/lenet --out lenet.png\n  zoo plot runs/a runs/b --out compare.png",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("--out FILE.png is required")
			}
			runs := make([]namedHistory, len(args))
			for i, dir := range args {
				h, err := readHistory(dir)
				if err != nil {
					return err
				}
				runs[i] = h
			}
			distinctNames(runs)
			loss, acc, err := curves(runs)
			if err != nil {
				return err
			}
			if err := savePNG(out, width, height, loss, acc); err != nil {
				return errors.Wrapf(err, "--out %s", out)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d run(s))\n", out, len(runs))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "output PNG file")
	cmd.Flags().IntVar(&width, "width", 1200, "image width in pixels")
	cmd.Flags().IntVar(&height, "height", 500, "image height in pixels")
	return cmd
}

// namedHistory is one run's history, its folder and its legend name.
type namedHistory struct {
	dir, name string
	stats     []train.EpochStats
}

// readHistory reads dir/history.csv; errors name the file.
func readHistory(dir string) (namedHistory, error) {
	path := filepath.Join(dir, "history.csv")
	f, err := safefile.OpenRegular(path) // a FIFO would block os.Open
	if err != nil {
		return namedHistory{}, errors.Wrapf(err, "run %s", dir)
	}
	defer f.Close()
	stats, err := train.ReadCSV(f)
	if err != nil {
		return namedHistory{}, errors.Wrap(err, path)
	}
	if len(stats) == 0 {
		return namedHistory{}, errors.Errorf("%s: no epochs", path)
	}
	return namedHistory{dir: dir, name: filepath.Base(filepath.Clean(dir)), stats: stats}, nil
}

// distinctNames gives every run a distinct legend name: the folder's base
// name, or, where two runs share it (a/lenet and b/lenet), as many of the
// trailing path elements as it takes to tell them apart.
func distinctNames(runs []namedHistory) {
	for depth := 1; ; depth++ {
		seen, clash, exhausted := map[string]bool{}, false, true
		for i := range runs {
			parts := strings.Split(filepath.ToSlash(filepath.Clean(runs[i].dir)), "/")
			k := max(0, len(parts)-depth)
			exhausted = exhausted && k == 0
			runs[i].name = strings.Join(parts[k:], "/")
			clash = clash || seen[runs[i].name]
			seen[runs[i].name] = true
		}
		if !clash || exhausted {
			return
		}
	}
}

// curves returns the loss and the accuracy plots of runs.
func curves(runs []namedHistory) (loss, acc *plot.Plot, err error) {
	loss, acc = plot.New(), plot.New()
	loss.Title.Text, loss.X.Label.Text, loss.Y.Label.Text = "Loss", "epoch", "cross-entropy"
	acc.Title.Text, acc.X.Label.Text, acc.Y.Label.Text = "Accuracy", "epoch", "top-1 accuracy"
	for _, p := range []*plot.Plot{loss, acc} {
		p.Add(plotter.NewGrid())
	}
	loss.Legend.Top = true // loss falls and accuracy rises: legends where the curves are not
	for i, r := range runs {
		series := []struct {
			p      *plot.Plot
			label  string
			dashed bool
			value  func(train.EpochStats) float64
		}{
			{loss, "train", false, func(e train.EpochStats) float64 { return e.TrainLoss }},
			{loss, "test", true, func(e train.EpochStats) float64 { return e.TestLoss }},
			{acc, "train", false, func(e train.EpochStats) float64 { return e.TrainAcc }},
			{acc, "test", true, func(e train.EpochStats) float64 { return e.TestAcc }},
		}
		for _, s := range series {
			var xys plotter.XYs
			for _, e := range r.stats {
				if v := s.value(e); !math.IsNaN(v) && !math.IsInf(v, 0) {
					xys = append(xys, plotter.XY{X: float64(e.Epoch), Y: v})
				}
			}
			if len(xys) == 0 {
				continue // a run without a test set
			}
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, nil, errors.Wrapf(err, "run %s", r.name)
			}
			line.Color, points.Color = plotutil.Color(i), plotutil.Color(i)
			points.Radius = vg.Points(1.5)
			if s.dashed {
				line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			s.p.Add(line, points)
			s.p.Legend.Add(r.name+" "+s.label, line)
		}
	}
	return loss, acc, nil
}
