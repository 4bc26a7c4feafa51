package main

import (
	"cmp"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/train"
	"github.com/pkg/errors"
	"github.com/spf13/cobra"
)

type trainFlags struct {
	dataset, dir, optimizer, out, resume string
	schedule                             string
	epochs, limit                        int
	force                                bool
	lr, momentum, weightDecay            float64
	seed                                 int64
	m                                    modelFlags
}

func trainCmd() *cobra.Command {
	var f trainFlags
	cmd := &cobra.Command{
		Use:   "train MODEL",
		Short: "Train a model (default: LeNet-5 on the embedded MNIST)",
		Long: `Train a model with the shared trainer: a training graph and an evaluation graph
over one parameter store, symbolic gradients, Gorgonia's TapeMachine.

Writes OUT/history.csv (one row per epoch) and OUT/weights.safetensors. A non-empty
OUT is refused unless --resume continues a run there or --force replaces it.`,
		Example: "  zoo train lenet\n  zoo train lenet --epochs 5 --out runs/lenet5\n  zoo train resnet20 --dataset cifar10 --data ~/cifar-10-batches-bin --optimizer sgd --lr 0.1",
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return f.run(cmd, args[0]) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dataset, "dataset", "mnist", "dataset: "+datasetNames)
	fl.StringVar(&f.dir, "data", "", "dataset folder (mnist: embedded copy when empty)")
	fl.IntVar(&f.epochs, "epochs", 1, "number of epochs")
	fl.Float64Var(&f.lr, "lr", 1e-3, "learning rate")
	fl.StringVar(&f.optimizer, "optimizer", "adam", "optimizer: adam, adamw, sgd")
	fl.StringVar(&f.schedule, "schedule", "", "learning-rate schedule: constant, cosine (annealed to 0 at every step) (default: the model's recipe, cosine for lenet, else constant)")
	fl.Float64Var(&f.momentum, "momentum", 0.9, "SGD momentum")
	fl.Float64Var(&f.weightDecay, "weight-decay", 0, "weight decay")
	fl.Int64Var(&f.seed, "seed", 1, "random seed (initialisation, shuffling, dropout)")
	fl.StringVar(&f.out, "out", "", "output folder (default runs/MODEL); must be empty or new unless --resume or --force")
	fl.BoolVar(&f.force, "force", false, "train into a non-empty --out: once the data are loaded, delete the previous run's "+
		strings.Join(runFiles, ", ")+" there (other files are kept)")
	fl.IntVar(&f.limit, "limit", 0, "train on the first N examples only (0: all)")
	fl.StringVar(&f.resume, "resume", "", "start from these weights (a .safetensors checkpoint of the same model)")
	f.m.register(cmd, 64)
	batch := cmd.Flags().Lookup("batch")
	batch.Usage, batch.DefValue = "batch size (default: the model's recipe, 32 for lenet, else 64)", "0"
	return cmd
}

func (f *trainFlags) run(cmd *cobra.Command, name string) (err error) {
	spec, cfg, err := f.m.resolve(name)
	if err != nil {
		return err
	}
	if !cmd.Flags().Changed("batch") && spec.Batch > 0 {
		f.m.batch = spec.Batch // the model's default recipe
	}
	if f.epochs < 1 {
		return errors.Errorf("--epochs must be at least 1, got %d", f.epochs)
	}
	if !(f.lr > 0) || math.IsInf(f.lr, 1) {
		return errors.Errorf("--lr must be positive and finite, got %g", f.lr)
	}
	if f.limit < 0 {
		return errors.Errorf("--limit must not be negative, got %d", f.limit)
	}
	opt, err := optimizer(f.optimizer, f.momentum, f.weightDecay, cmd.Flags().Changed("momentum"))
	if err != nil {
		return err
	}
	if f.schedule == "" {
		f.schedule = cmp.Or(spec.Schedule, "constant")
	}
	sched, err := schedule(f.schedule)
	if err != nil {
		return err
	}
	if f.out == "" {
		f.out = filepath.Join("runs", spec.Name)
	}
	if f.force && f.resume != "" {
		return errors.New("--force and --resume contradict each other: --resume continues a run, --force replaces it")
	}
	if f.resume != "" {
		if err := readable("--resume", f.resume); err != nil {
			return err
		}
	}
	created, err := prepareOut(f.out, f.force || f.resume != "")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			removeEmpty(f.out, created)
		}
	}()
	src, err := openData(f.dataset, f.dir, f.m.size, spec)
	if err != nil {
		return err
	}
	// The training graph is built and --resume loaded before the data are
	// read: a size the graph refuses or a checkpoint that does not fit is
	// reported at once, not after decoding an image folder.
	c, h, w := src.Channels, src.Size, src.Size
	if cfg.InChannels == 0 {
		cfg.InChannels = c
	}
	if err := classesFor(&cfg, src); err != nil {
		return err
	}
	ps := graph.NewParams()
	meta := map[string]string{"model": spec.Name, "classes": fmt.Sprint(cfg.Classes), "dataset": f.dataset}
	out := cmd.OutOrStdout()
	hooks := []train.Hook{train.ProgressBar(out), train.CSVHistory(filepath.Join(f.out, "history.csv")), train.Checkpoint(f.out, 0, meta)}
	tr, err := train.New(spec.New(cfg), ps, train.Config{
		Epochs: f.epochs, BatchSize: f.m.batch, LR: f.lr, Optimizer: opt, Schedule: sched, Seed: f.seed,
		Mean: src.Mean, Std: src.Std, Hooks: hooks, Input: []int{c, h, w},
	})
	if err != nil {
		return err
	}
	if f.resume != "" {
		if err := train.LoadCheckpoint(ps, f.resume, spec.Name); err != nil {
			return err
		}
	}
	trainSet, testSet, err := src.sets()
	if err != nil {
		return err
	}
	if f.limit > 0 && f.limit < trainSet.Len() {
		trainSet = trainSet.Subset(f.limit)
	}
	if f.force {
		if err := removeRun(out, f.out); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "training %s on %s: %d train / %d test images of %dx%dx%d, %d classes, batch %d, %s lr %g (%s), seed %d\n",
		spec.Name, f.dataset, trainSet.Len(), testSet.Len(), c, h, w, cfg.Classes, f.m.batch, f.optimizer, f.lr, f.schedule, f.seed)
	stats, err := tr.Fit(trainSet, testSet)
	if err != nil {
		return err
	}
	last := stats[len(stats)-1]
	fmt.Fprintf(out, "test accuracy %.2f%% after %d epoch(s)\nwrote %s and %s\n", 100*last.TestAcc, len(stats),
		filepath.Join(f.out, "history.csv"), filepath.Join(f.out, "weights.safetensors"))
	return nil
}

// optimizer returns the named optimizer; momentumSet says --momentum was
// given, which only SGD takes.
func optimizer(name string, momentum, wd float64, momentumSet bool) (train.Optimizer, error) {
	if !(wd >= 0) || math.IsInf(wd, 1) {
		return nil, errors.Errorf("--weight-decay %g: want a finite value >= 0", wd)
	}
	var opt train.Optimizer
	switch strings.ToLower(name) {
	case "adam":
		opt = &train.Adam{WeightDecay: wd}
	case "adamw":
		opt = &train.Adam{WeightDecay: wd, Decoupled: true}
	case "sgd":
		if !(momentum >= 0 && momentum < 1) {
			return nil, errors.Errorf("--momentum %g: want a value from 0 to below 1", momentum)
		}
		return &train.SGD{Momentum: momentum, WeightDecay: wd}, nil
	default:
		return nil, errors.Errorf("unknown optimizer %q (known: adam, adamw, sgd)", name)
	}
	if momentumSet {
		return nil, errors.Errorf("--momentum applies to --optimizer sgd only, not %s", name)
	}
	return opt, nil
}

func schedule(name string) (train.Schedule, error) {
	switch strings.ToLower(name) {
	case "", "constant":
		return nil, nil
	case "cosine":
		return train.Cosine{PerStep: true}, nil
	}
	return nil, errors.Errorf("unknown schedule %q (known: constant, cosine)", name)
}
