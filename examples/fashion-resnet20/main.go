// Command fashion-resnet20 trains the CIFAR ResNet-20 of He et al. (2016)
// with one input channel on Fashion-MNIST from Debian's
// dataset-fashion-mnist, with the library alone: the recipe below is the one
// whose result the README reports.
//
//	go run ./examples/fashion-resnet20 --epochs 6 --out runs/fashion-resnet20
//
// Recipe: SGD with Nesterov momentum 0.9, weight decay 5e-4, batch 128,
// learning rate 0.1 annealed to 0 by a per-step cosine, random horizontal
// flips, inputs normalised with Fashion-MNIST's mean and std.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/train"
	"github.com/convzoo/convzoo/zoo"
)

func main() {
	epochs := flag.Int("epochs", 6, "epochs")
	dir := flag.String("data", data.FashionMNISTDebianDir, "folder of the Fashion-MNIST IDX files")
	out := flag.String("out", "runs/fashion-resnet20", "output folder")
	seed := flag.Int64("seed", 1, "random seed")
	flag.Parse()
	if err := run(*epochs, *dir, *out, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "fashion-resnet20:", err)
		os.Exit(1)
	}
}

func run(epochs int, dir, out string, seed int64) error {
	trainSet, err := data.FashionMNIST(dir, true)
	if err != nil {
		return err
	}
	testSet, err := data.FashionMNIST(dir, false)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	ps := graph.NewParams()
	model := zoo.ResNetCIFAR(20, zoo.Config{Classes: 10, InChannels: 1})
	meta := map[string]string{"model": "resnet20", "classes": "10", "dataset": "fashion-mnist"}
	tr, err := train.New(model, ps, train.Config{
		Epochs:    epochs,
		BatchSize: 128,
		LR:        0.1,
		Optimizer: &train.SGD{Momentum: 0.9, Nesterov: true, WeightDecay: 5e-4},
		Schedule:  train.Cosine{PerStep: true},
		Seed:      seed,
		Mean:      []float32{0.2860},
		Std:       []float32{0.3530},
		Augment:   []data.Transform{data.HorizontalFlip{}},
		Hooks: []train.Hook{
			train.ProgressBar(os.Stdout),
			train.CSVHistory(filepath.Join(out, "history.csv")),
			train.Checkpoint(out, 0, meta),
		},
	})
	if err != nil {
		return err
	}
	_, err = tr.Fit(trainSet, testSet)
	return err
}
