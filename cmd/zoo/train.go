package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/train"
	"github.com/pkg/errors"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// runSettings are the settings of a training run: what --resume restores
// (stored as JSON in the checkpoint's "zoo.settings" metadata).
type runSettings struct {
	Model       string        `json:"model"`
	Dataset     string        `json:"dataset"`
	Data        string        `json:"data"`
	Epochs      int           `json:"epochs"`
	Batch       int           `json:"batch"`
	LR          float64       `json:"lr"`
	Optimizer   string        `json:"optimizer"`
	Schedule    string        `json:"schedule"`
	Sched       scheduleFlags `json:"schedule_settings"`
	Momentum    float64       `json:"momentum"`
	WeightDecay float64       `json:"weight_decay"`
	EMADecay    float64       `json:"ema_decay"`
	EMASteps    int           `json:"ema_steps"`
	Seed        int64         `json:"seed"`
	Limit       int           `json:"limit"`
	TestLimit   int           `json:"test_limit"`
	Classes     int           `json:"classes"`
	Channels    int           `json:"channels"`
	Size        int           `json:"size"`
	Aux         bool          `json:"aux"`
	Tools       recipeFlags   `json:"tools"`           // recipe and recipe tools
	Ranks       int           `json:"ranks,omitempty"` // data-parallel ranks (--distributed); 0: one process
	// CheckpointEvery is --checkpoint-every, kept so that a resumed run
	// goes on saving as often (0: at epoch ends only).
	CheckpointEvery int `json:"checkpoint_every,omitempty"`
}

type trainFlags struct {
	runSettings
	out, resume, weights string
	partial, force       bool
	m                    modelFlags
	distributed          bool
}

// The files of a run folder.
const (
	checkpointFile = "checkpoint.safetensors"
	settingsKey    = "zoo.settings"
)

// resumable are the flags --resume accepts: they do not change the run.
var resumable = map[string]bool{"resume": true, "epochs": true, "data": true, "checkpoint-every": true, "distributed": true}

var errInterrupted = errors.New("interrupted")

func trainCmd() *cobra.Command { return trainCmdOver(&trainFlags{}) }

// trainCmdOver is zoo train with its flags stored in f.
func trainCmdOver(f *trainFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "train MODEL",
		Short: "Train a model (default: LeNet-5 on the embedded MNIST)",
		Long: `Train a model with the shared trainer: a training graph and an evaluation graph
over one parameter store, symbolic gradients, Gorgonia's TapeMachine.

Writes OUT/history.csv (one row per epoch), OUT/weights.safetensors at the end
(the moving average with --ema-decay), and OUT/checkpoint.safetensors, the
latest training state (weights, buffers, optimizer state, moving average,
position, history, settings), atomically at every epoch end and every
--checkpoint-every steps. SIGINT or SIGTERM finishes the current step, saves
the state and stops; a second one kills at once.

--resume OUT continues a run, interrupted or killed at any moment, with its
saved settings, to the same weights (bit for bit) and history.csv (the
seconds column excepted) as the uninterrupted run. Flags that would change the
run are refused; --epochs larger than the saved one extends the run (a schedule
that depends on the number of epochs, such as cosine, then follows the new
length from there on).

A recipe (--recipe NAME) sets the flags not given on the command line; lenet
trains with recipe lenet unless told otherwise. The settings in effect are
printed at start, each marked with where it came from.`,
		Example: "  zoo train lenet\n  zoo train lenet --epochs 5 --out runs/lenet5\n  zoo train lenet --resume runs/lenet5\n" +
			"  zoo train resnet20 --dataset cifar10 --data ~/cifar-10-batches-bin --recipe resnet-cifar",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return f.run(cmd, args[0]) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Dataset, "dataset", "mnist", "dataset: "+datasetNames)
	fl.StringVar(&f.Data, "data", "", "dataset folder (mnist: embedded copy when empty)")
	fl.IntVar(&f.Epochs, "epochs", 1, "number of epochs")
	fl.Float64Var(&f.LR, "lr", 1e-3, "learning rate")
	fl.StringVar(&f.Optimizer, "optimizer", "adam", "optimizer: adam, adamw, sgd")
	fl.StringVar(&f.Schedule, "schedule", "constant", "learning-rate schedule: constant, cosine (annealed to 0 at every step), multistep (×gamma at --milestones), plateau (×gamma after more than --patience epochs without a lower test loss)")
	f.Sched.register(fl)
	fl.Float64Var(&f.EMADecay, "ema-decay", 0, "keep an exponential moving average of the weights with this decay, evaluated and saved in place of the raw weights (0: none)")
	fl.IntVar(&f.EMASteps, "ema-steps", 1, "steps between moving-average updates")
	fl.Float64Var(&f.Momentum, "momentum", 0.9, "SGD momentum (sgd only)")
	fl.Float64Var(&f.WeightDecay, "weight-decay", 0, "weight decay")
	fl.Int64Var(&f.Seed, "seed", 1, "random seed (initialisation, shuffling, augmentation, dropout)")
	fl.StringVar(&f.out, "out", "", "output folder (default runs/MODEL, or runs/MODEL-2, -3, ... when that one holds a run); must be empty or new unless --resume or --force")
	fl.BoolVar(&f.force, "force", false, "train into a non-empty --out: once the data are loaded, delete the previous run's "+
		strings.Join(runFiles, ", ")+" there (other files are kept)")
	fl.IntVar(&f.Limit, "limit", 0, "train on the first N examples only (0: all)")
	fl.IntVar(&f.TestLimit, "test-limit", 0, "evaluate on the first N test examples only (0: all)")
	fl.StringVar(&f.resume, "resume", "", "continue the run saved in this output folder (its checkpoint.safetensors) with its settings")
	fl.StringVar(&f.weights, "weights", "", "start from these weights (safetensors or torch.save .pt/.pth, torchvision names)")
	fl.BoolVar(&f.partial, "partial", false, "with --weights: load every tensor that fits, keep the rest initialised (fine-tuning)")
	fl.IntVar(&f.CheckpointEvery, "checkpoint-every", 0, "also save the training state every N steps (0: at epoch ends only)")
	fl.BoolVar(&f.distributed, "distributed", false, "data-parallel over the ranks of an MPI job (mpirun -np N zoo train ... --distributed; needs a binary built with -tags mpi); --batch is per rank, rank 0 writes the files")
	f.m.register(cmd, 64)
	f.Tools.register(fl)
	return cmd
}

func (f *trainFlags) run(cmd *cobra.Command, name string) (err error) {
	switch {
	case f.resume != "" && f.weights != "":
		return errors.New("--resume and --weights both give starting weights: use one")
	case f.force && f.resume != "":
		return errors.New("--force and --resume contradict each other: --resume continues a run, --force replaces it")
	}
	j, err := joinJob(f.distributed)
	if err != nil {
		return err
	}
	defer func() { err = j.end(err) }()
	if f.resume != "" {
		if err := f.restore(cmd, name, j); err != nil {
			return err
		}
		if max(f.Ranks, 1) != j.ranks() {
			return errors.Errorf("--resume: the run ran on %d rank(s), this job has %d", max(f.Ranks, 1), j.ranks())
		}
	} else if j.ranks() > 1 {
		f.Ranks = j.ranks()
	}
	spec, cfg, err := f.m.resolve(name)
	if err != nil {
		return err
	}
	if f.resume == "" { // a resumed run's settings have the recipe applied
		if err := f.Tools.resolve(cmd.Flags(), spec.Name); err != nil {
			return err
		}
		if f.m.batch <= 0 {
			return errors.Errorf("--batch must be positive, got %d", f.m.batch)
		}
	}
	f.Model, f.Batch, f.Classes, f.Channels, f.Size, f.Aux = spec.Name, f.m.batch, f.m.classes, f.m.channels, f.m.size, f.m.aux
	switch {
	case f.partial && f.weights == "":
		return errors.New("--partial needs --weights FILE")
	case f.Epochs < 1:
		return errors.Errorf("--epochs must be at least 1, got %d", f.Epochs)
	case !(f.LR > 0) || math.IsInf(f.LR, 1):
		return errors.Errorf("--lr must be positive and finite, got %g", f.LR)
	case f.Limit < 0 || f.TestLimit < 0:
		return errors.Errorf("--limit and --test-limit must not be negative, got %d and %d", f.Limit, f.TestLimit)
	case f.CheckpointEvery < 0:
		return errors.Errorf("--checkpoint-every must not be negative, got %d", f.CheckpointEvery)
	case !(f.EMADecay >= 0 && f.EMADecay < 1) || f.EMASteps < 1:
		return errors.Errorf("--ema-decay must be in [0, 1) and --ema-steps at least 1, got %g and %d", f.EMADecay, f.EMASteps)
	}
	opt, err := f.Tools.optimizer(f.Optimizer, f.Momentum, f.WeightDecay)
	if err != nil {
		return err
	}
	sched, err := f.Sched.schedule(f.Schedule)
	if err != nil {
		return err
	}
	if f.out == "" {
		f.out = freshRunDir(filepath.Join("runs", spec.Name))
	}
	if f.weights != "" && j.leader() { // rank 0 loads them; Fit broadcasts them
		if err := readable("--weights", f.weights); err != nil {
			return err
		}
	}
	if j.leader() { // the other ranks write nothing
		var created string
		if created, err = prepareOut(f.out, f.force || f.resume != ""); err != nil {
			return err
		}
		defer func() {
			if err != nil {
				removeEmpty(f.out, created)
			}
		}()
	}
	src, err := openData(f.Dataset, f.Data, f.m.size, spec)
	if err != nil {
		return err
	}
	// The training graph is built and --resume or --weights loaded before
	// the data are read: a size the graph refuses or a checkpoint that does
	// not fit is reported at once, not after decoding an image folder.
	c, h, w := src.Channels, src.Size, src.Size
	if err := fitData(&cfg, src); err != nil {
		return err
	}
	settings, err := json.Marshal(f.runSettings)
	if err != nil {
		return err
	}
	ps := graph.NewParams()
	meta := map[string]string{"model": spec.Name, "classes": fmt.Sprint(cfg.Classes), "dataset": f.Dataset}
	out := cmd.OutOrStdout()
	tcfg := train.Config{
		Epochs: f.Epochs, BatchSize: f.m.batch, LR: f.LR, Optimizer: opt, Schedule: sched, Seed: f.Seed,
		Mean: src.Mean, Std: src.Std, Input: []int{c, h, w}, EMADecay: f.EMADecay, EMASteps: f.EMASteps,
		Dist: j.comm,
	}
	if j.leader() {
		tcfg.Hooks = []train.Hook{train.ProgressBar(out), train.CSVHistory(filepath.Join(f.out, "history.csv")), train.Checkpoint(f.out, 0, meta)}
	} else {
		out = io.Discard // the other ranks log nothing but errors
	}
	f.Tools.configure(&tcfg)
	tr, err := train.New(spec.New(cfg), ps, tcfg)
	if err != nil {
		return err
	}
	ckpt := filepath.Join(f.out, checkpointFile)
	stateMeta := map[string]string{"model": spec.Name, settingsKey: string(settings)}
	switch {
	case f.resume != "":
		if _, err := tr.ResumeFrom(ckpt); err != nil {
			return err
		}
		fmt.Fprintf(out, "resuming from %s\n", ckpt)
	case f.weights != "" && j.leader(): // Fit broadcasts rank 0's weights
		if err := loadWeights(ps, f.weights, spec.Name, f.partial, out); err != nil {
			return err
		}
	}
	trainSet, testSet, err := src.sets()
	if err != nil {
		return err
	}
	if f.Limit > 0 && f.Limit < trainSet.Len() {
		trainSet = trainSet.Subset(f.Limit)
	}
	if f.TestLimit > 0 && f.TestLimit < testSet.Len() {
		testSet = testSet.Subset(f.TestLimit)
	}
	if f.force && j.leader() {
		if err := removeRun(out, f.out); err != nil {
			return err
		}
	}
	stop := interruptOnSignal()
	defer stop.release()
	// Distributed, rank 0 alone saves and stops on a signal; its error then
	// aborts the job (the other ranks ignore the first signal, so they
	// cannot end the job before the state is saved).
	if j.leader() {
		if err := tr.AddHooks(tr.StateCheckpoint(ckpt, f.CheckpointEvery, stateMeta),
			stop.hook(func() error { return tr.SaveState(ckpt, stateMeta) })); err != nil {
			return err
		}
	}
	batchInfo := fmt.Sprint(f.m.batch)
	if j.ranks() > 1 {
		batchInfo = fmt.Sprintf("%d per rank × %d ranks = global batch %d", f.m.batch, j.ranks(), f.m.batch*j.ranks())
	}
	fmt.Fprintf(out, "training %s on %s: %d train / %d test images of %dx%dx%d, %d classes, batch %s\n%s\n",
		spec.Name, f.Dataset, trainSet.Len(), testSet.Len(), c, h, w, cfg.Classes, batchInfo, f.Tools.settings(cmd.Flags()))
	stats, err := tr.Fit(trainSet, testSet)
	if errors.Is(err, errInterrupted) {
		return errors.Errorf("interrupted; the state is in %s; continue with: zoo train %s --resume %s", ckpt, spec.Name, f.out)
	}
	if err != nil {
		return err
	}
	last := stats[len(stats)-1]
	fmt.Fprintf(out, "test accuracy %.2f%% after %d epoch(s)\nwrote %s and %s\n", 100*last.TestAcc, len(stats),
		filepath.Join(f.out, "history.csv"), filepath.Join(f.out, "weights.safetensors"))
	return nil
}

// restore reads the settings of the run in --resume's folder into f,
// refusing flags that would change the run.
func (f *trainFlags) restore(cmd *cobra.Command, name string, j job) error {
	var refused []string
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		if !resumable[fl.Name] {
			refused = append(refused, "--"+fl.Name)
		}
	})
	if len(refused) > 0 {
		var may []string
		for n := range resumable {
			if n != "resume" {
				may = append(may, "--"+n)
			}
		}
		sort.Strings(may)
		return errors.Errorf("--resume continues a run with its saved settings; %s would change it (only %s may be given)",
			strings.Join(refused, ", "), strings.Join(may, ", "))
	}
	if fi, err := os.Stat(f.resume); err == nil && !fi.IsDir() {
		return errors.Errorf("--resume %s: want the output folder of a run (zoo train --out); to start from weights, use --weights FILE", f.resume)
	}
	path := filepath.Join(f.resume, checkpointFile)
	_, meta, err := j.readCheckpoint(path)
	if err != nil {
		return errors.Wrapf(err, "--resume %s", f.resume)
	}
	var s runSettings
	raw, ok := meta[settingsKey]
	if !ok {
		return errors.Errorf("--resume: %s has no %q metadata (not written by zoo train)", path, settingsKey)
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return errors.Wrapf(err, "--resume: the settings in %s", path)
	}
	if s.Model != name {
		return errors.Errorf("--resume: %s is a run of %s, not %s", path, s.Model, name)
	}
	if cmd.Flags().Changed("epochs") {
		if f.Epochs < s.Epochs {
			return errors.Errorf("--epochs %d: the run to resume has %d epochs; it can be extended, not shortened", f.Epochs, s.Epochs)
		}
		s.Epochs = f.Epochs
	}
	if cmd.Flags().Changed("data") {
		s.Data = f.Data
	}
	if cmd.Flags().Changed("checkpoint-every") {
		s.CheckpointEvery = f.CheckpointEvery
	}
	f.runSettings, f.out = s, f.resume
	f.m = modelFlags{classes: s.Classes, channels: s.Channels, size: s.Size, batch: s.Batch, aux: s.Aux}
	return nil
}

// interrupt turns the first SIGINT or SIGTERM into a request to stop after
// the current step; the second one kills the process.
type interrupt struct {
	sigs chan os.Signal
	done chan struct{}
	hit  atomic.Bool
}

func interruptOnSignal() *interrupt {
	in := &interrupt{sigs: make(chan os.Signal, 1), done: make(chan struct{})}
	signal.Notify(in.sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		select {
		case <-in.sigs:
			in.hit.Store(true)
			signal.Reset(syscall.SIGINT, syscall.SIGTERM)
		case <-in.done:
		}
	}()
	return in
}

func (in *interrupt) release() {
	signal.Stop(in.sigs)
	close(in.done)
}

// hook saves the state with save and stops Fit once a signal came.
func (in *interrupt) hook(save func() error) train.Hook {
	check := func(*train.State) error {
		if !in.hit.Load() {
			return nil
		}
		if err := save(); err != nil {
			return err
		}
		return errInterrupted
	}
	return train.HookFuncs{Step: check, EpochEnd: check}
}

// optimizer returns the optimizer called name; normWD, when not nil, is
// the weight decay of batch-norm parameters and biases.
func optimizer(name string, momentum, wd float64, normWD *float64) (train.Optimizer, error) {
	if !(wd >= 0) || math.IsInf(wd, 1) {
		return nil, errors.Errorf("--weight-decay %g: want a finite value >= 0", wd)
	}
	if !(momentum >= 0 && momentum < 1) {
		return nil, errors.Errorf("--momentum %g: want a value from 0 to below 1", momentum)
	}
	switch strings.ToLower(name) {
	case "adam":
		return &train.Adam{WeightDecay: wd, NormWeightDecay: normWD}, nil
	case "adamw":
		return &train.Adam{WeightDecay: wd, Decoupled: true, NormWeightDecay: normWD}, nil
	case "sgd":
		return &train.SGD{Momentum: momentum, WeightDecay: wd, NormWeightDecay: normWD}, nil
	}
	return nil, errors.Errorf("unknown optimizer %q (known: adam, adamw, sgd)", name)
}
