package main

import (
	"fmt"
	"io"
	"os"
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
	lr, momentum, weightDecay            float64
	emaDecay                             float64
	emaSteps                             int
	sched                                scheduleFlags
	seed                                 int64
	m                                    modelFlags
	distributed                          bool
}

func trainCmd() *cobra.Command {
	var f trainFlags
	cmd := &cobra.Command{
		Use:   "train MODEL",
		Short: "Train a model (default: LeNet-5 on the embedded MNIST)",
		Long: `Train a model with the shared trainer: a training graph and an evaluation graph
over one parameter store, symbolic gradients, Gorgonia's TapeMachine.

Writes OUT/history.csv (one row per epoch) and OUT/weights.safetensors.`,
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
	fl.StringVar(&f.schedule, "schedule", "", "learning-rate schedule: constant, cosine (annealed to 0 at every step), multistep (×gamma at --milestones), plateau (×gamma after --patience epochs without a lower test loss) (default: the model's recipe, cosine for lenet, else constant)")
	f.sched.register(fl)
	fl.Float64Var(&f.emaDecay, "ema-decay", 0, "keep an exponential moving average of the weights with this decay, evaluated and saved in place of the raw weights (0: none)")
	fl.IntVar(&f.emaSteps, "ema-steps", 1, "steps between moving-average updates")
	fl.Float64Var(&f.momentum, "momentum", 0.9, "SGD momentum")
	fl.Float64Var(&f.weightDecay, "weight-decay", 0, "weight decay")
	fl.Int64Var(&f.seed, "seed", 1, "random seed (initialisation, shuffling, dropout)")
	fl.StringVar(&f.out, "out", "", "output folder (default runs/MODEL)")
	fl.IntVar(&f.limit, "limit", 0, "train on the first N examples only (0: all)")
	fl.StringVar(&f.resume, "resume", "", "start from these weights (a .safetensors checkpoint of the same model)")
	fl.BoolVar(&f.distributed, "distributed", false, "data-parallel over the ranks of an MPI job (mpirun -np N zoo train ... --distributed; needs a binary built with -tags mpi); --batch is per rank, rank 0 writes the files")
	f.m.register(cmd, 64)
	batch := cmd.Flags().Lookup("batch")
	batch.Usage, batch.DefValue = "batch size (default: the model's recipe, 32 for lenet, else 64)", "0"
	return cmd
}

func (f *trainFlags) run(cmd *cobra.Command, name string) (err error) {
	j, err := joinJob(f.distributed)
	if err != nil {
		return err
	}
	defer func() { err = j.end(err) }()
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
	if f.lr <= 0 {
		return errors.Errorf("--lr must be positive, got %g", f.lr)
	}
	if f.limit < 0 {
		return errors.Errorf("--limit must not be negative, got %d", f.limit)
	}
	if !(f.emaDecay >= 0 && f.emaDecay < 1) || f.emaSteps < 1 {
		return errors.Errorf("--ema-decay must be in [0, 1) and --ema-steps at least 1, got %g and %d", f.emaDecay, f.emaSteps)
	}
	opt, err := optimizer(f.optimizer, f.momentum, f.weightDecay)
	if err != nil {
		return err
	}
	if f.schedule == "" {
		f.schedule = spec.Schedule
	}
	sched, err := f.sched.schedule(f.schedule)
	if err != nil {
		return err
	}
	if f.out == "" {
		f.out = filepath.Join("runs", spec.Name)
	}
	if j.leader() {
		if err := writable(f.out); err != nil {
			return err
		}
	}
	trainSet, testSet, mean, std, err := loadDataset(f.dataset, f.dir)
	if err != nil {
		return err
	}
	if f.limit > 0 && f.limit < trainSet.Len() {
		trainSet = trainSet.Subset(f.limit)
	}
	c, h, w := trainSet.Dims()
	if cfg.InChannels == 0 {
		cfg.InChannels = c
	}
	if cfg.Classes == 0 {
		cfg.Classes = trainSet.NumClasses()
	}
	if f.m.size != 0 && (f.m.size != h || f.m.size != w) {
		return errors.Errorf("--size %d does not match the dataset's %dx%d images", f.m.size, h, w)
	}
	ps := graph.NewParams()
	meta := map[string]string{"model": spec.Name, "classes": fmt.Sprint(cfg.Classes), "dataset": f.dataset}
	out := cmd.OutOrStdout()
	var hooks []train.Hook
	if j.leader() {
		hooks = []train.Hook{train.ProgressBar(out), train.CSVHistory(filepath.Join(f.out, "history.csv")), train.Checkpoint(f.out, 0, meta)}
	} else {
		out = io.Discard // the other ranks log nothing but errors
	}
	tr, err := train.New(spec.New(cfg), ps, train.Config{
		Epochs: f.epochs, BatchSize: f.m.batch, LR: f.lr, Optimizer: opt, Schedule: sched, Seed: f.seed,
		Mean: mean, Std: std, Hooks: hooks, Input: []int{c, h, w}, EMADecay: f.emaDecay, EMASteps: f.emaSteps,
		Dist: j.comm,
	})
	if err != nil {
		return err
	}
	if f.resume != "" && j.leader() { // Fit broadcasts rank 0's weights
		if err := train.LoadCheckpoint(ps, f.resume, spec.Name); err != nil {
			return err
		}
	}
	batchInfo := fmt.Sprint(f.m.batch)
	if j.ranks() > 1 {
		batchInfo = fmt.Sprintf("%d per rank × %d ranks = global batch %d", f.m.batch, j.ranks(), f.m.batch*j.ranks())
	}
	fmt.Fprintf(out, "training %s on %s: %d train / %d test images of %dx%dx%d, %d classes, batch %s, %s lr %g (%s), seed %d\n",
		spec.Name, f.dataset, trainSet.Len(), testSet.Len(), c, h, w, cfg.Classes, batchInfo, f.optimizer, f.lr, f.schedule, f.seed)
	stats, err := tr.Fit(trainSet, testSet)
	if err != nil {
		return err
	}
	last := stats[len(stats)-1]
	fmt.Fprintf(out, "test accuracy %.2f%% after %d epoch(s)\nwrote %s and %s\n", 100*last.TestAcc, len(stats),
		filepath.Join(f.out, "history.csv"), filepath.Join(f.out, "weights.safetensors"))
	return nil
}

func optimizer(name string, momentum, wd float64) (train.Optimizer, error) {
	switch strings.ToLower(name) {
	case "adam":
		return &train.Adam{WeightDecay: wd}, nil
	case "adamw":
		return &train.Adam{WeightDecay: wd, Decoupled: true}, nil
	case "sgd":
		return &train.SGD{Momentum: momentum, WeightDecay: wd}, nil
	}
	return nil, errors.Errorf("unknown optimizer %q (known: adam, adamw, sgd)", name)
}

// writable makes sure dir exists and accepts files, before any work.
func writable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrapf(err, "--out %s is not writable", dir)
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return errors.Wrapf(err, "--out %s is not writable", dir)
	}
	f.Close()
	return os.Remove(f.Name())
}
