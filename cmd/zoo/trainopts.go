package main

import (
	"strings"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/train"
	"github.com/pkg/errors"
	"github.com/spf13/pflag"
)

// recipeFlags are zoo train's recipe and torchvision's recipe tools
// (label smoothing, norm weight decay, gradient clipping, augmentation),
// stored with the run's settings.
type recipeFlags struct {
	Recipe          string  `json:"recipe,omitempty"` // the recipe applied, "" for none
	LabelSmoothing  float64 `json:"label_smoothing,omitempty"`
	NormWeightDecay float64 `json:"norm_weight_decay,omitempty"`
	NormDecaySet    bool    `json:"norm_weight_decay_set,omitempty"` // NormWeightDecay applies
	ClipGradNorm    float64 `json:"clip_grad_norm,omitempty"`
	CropPadding     int     `json:"crop_padding,omitempty"`
	Flip            bool    `json:"flip,omitempty"`
	Nesterov        bool    `json:"nesterov,omitempty"`

	given, fromRecipe map[string]bool // flags set on the command line, by the recipe
}

func (r *recipeFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&r.Recipe, "recipe", "", "named training recipe, overridden by explicit flags: "+recipeNames()+
		"; none for the flags' defaults (default: lenet for lenet, none for other models)")
	fl.Float64Var(&r.LabelSmoothing, "label-smoothing", 0, "label smoothing of the loss, in [0, 1) (torch CrossEntropyLoss(label_smoothing))")
	fl.Float64Var(&r.NormWeightDecay, "norm-weight-decay", 0, "weight decay of batch-norm parameters and of biases "+
		"(torchvision's --norm-weight-decay, biases included; default: --weight-decay for every parameter)")
	fl.Float64Var(&r.ClipGradNorm, "clip-grad-norm", 0, "clip the gradients to this global L2 norm (0: no clipping)")
	fl.IntVar(&r.CropPadding, "crop-padding", 0, "augmentation: random crop after padding by N pixels (0: none)")
	fl.BoolVar(&r.Flip, "flip", false, "augmentation: random horizontal flip")
	fl.BoolVar(&r.Nesterov, "nesterov", false, "SGD: Nesterov momentum (sgd only)")
}

// resolve applies the recipe (--recipe, else the model's default) to the
// flags not given, and refuses flags that do nothing for the chosen
// optimizer. It runs before any other flag is read.
func (r *recipeFlags) resolve(fl *pflag.FlagSet, model string) error {
	r.given = changedFlags(fl)
	switch r.Recipe {
	case "":
		r.Recipe = defaultRecipes[model]
	case "none":
		r.Recipe = ""
	}
	r.fromRecipe = map[string]bool{}
	if r.Recipe != "" {
		rec, err := findRecipe(r.Recipe)
		if err != nil {
			return err
		}
		if r.fromRecipe, err = rec.apply(fl, r.given); err != nil {
			return err
		}
	}
	opt := strings.ToLower(fl.Lookup("optimizer").Value.String())
	for _, n := range []string{"momentum", "nesterov"} {
		if r.given[n] && opt != "sgd" {
			return errors.Errorf("--%s does nothing with --optimizer %s (only sgd has momentum)", n, opt)
		}
	}
	if err := unusedScheduleFlags(fl, r.given); err != nil {
		return err
	}
	r.NormDecaySet = r.given["norm-weight-decay"] || r.fromRecipe["norm-weight-decay"]
	switch {
	case !(r.LabelSmoothing >= 0 && r.LabelSmoothing < 1):
		return errors.Errorf("--label-smoothing must be in [0, 1), got %g", r.LabelSmoothing)
	case !(r.NormWeightDecay >= 0):
		return errors.Errorf("--norm-weight-decay must not be negative, got %g", r.NormWeightDecay)
	case !(r.ClipGradNorm >= 0):
		return errors.Errorf("--clip-grad-norm must not be negative, got %g", r.ClipGradNorm)
	case r.CropPadding < 0:
		return errors.Errorf("--crop-padding must not be negative, got %d", r.CropPadding)
	}
	return nil
}

// unusedScheduleFlags refuses schedule and moving-average flags given on
// the command line that the run would ignore, as --momentum with adam.
func unusedScheduleFlags(fl *pflag.FlagSet, given map[string]bool) error {
	value := func(n string) string { return strings.ToLower(fl.Lookup(n).Value.String()) }
	sched := value("schedule")
	switch {
	case given["patience"] && sched != "plateau":
		return errors.Errorf("--patience does nothing with --schedule %s (only plateau)", sched)
	case given["gamma"] && sched != "plateau" && sched != "multistep":
		return errors.Errorf("--gamma does nothing with --schedule %s (only multistep and plateau)", sched)
	case given["warmup-factor"] && value("warmup-epochs") == "0":
		return errors.New("--warmup-factor does nothing without --warmup-epochs")
	case given["ema-steps"] && value("ema-decay") == "0":
		return errors.New("--ema-steps does nothing without --ema-decay")
	}
	return nil
}

// normDecay is --norm-weight-decay when given (on the command line or by
// the recipe), else nil: --weight-decay for every parameter.
func (r *recipeFlags) normDecay() *float64 {
	if r.NormDecaySet {
		v := r.NormWeightDecay
		return &v
	}
	return nil
}

// optimizer returns the optimizer called name with these settings.
func (r *recipeFlags) optimizer(name string, momentum, wd float64) (train.Optimizer, error) {
	opt, err := optimizer(name, momentum, wd, r.normDecay())
	if s, ok := opt.(*train.SGD); ok {
		s.Nesterov = r.Nesterov
	}
	return opt, err
}

// configure sets the recipe tools of cfg.
func (r *recipeFlags) configure(cfg *train.Config) {
	cfg.LabelSmoothing, cfg.ClipGradNorm = r.LabelSmoothing, r.ClipGradNorm
	if r.CropPadding > 0 {
		cfg.Augment = append(cfg.Augment, data.RandomCrop{Padding: r.CropPadding})
	}
	if r.Flip {
		cfg.Augment = append(cfg.Augment, data.HorizontalFlip{})
	}
}

// settings describes the effective training settings, each marked with
// its source, for the line zoo train prints at start.
func (r *recipeFlags) settings(fl *pflag.FlagSet) string {
	names := []string{"optimizer", "lr"}
	if strings.EqualFold(fl.Lookup("optimizer").Value.String(), "sgd") {
		names = append(names, "momentum", "nesterov")
	}
	names = append(names, "weight-decay")
	if r.normDecay() != nil {
		names = append(names, "norm-weight-decay")
	}
	names = append(names, "batch", "epochs", "schedule")
	switch strings.ToLower(fl.Lookup("schedule").Value.String()) {
	case "multistep":
		names = append(names, "milestones", "gamma")
	case "plateau":
		names = append(names, "gamma", "patience")
	}
	for _, n := range []string{"warmup-epochs", "label-smoothing", "clip-grad-norm", "ema-decay", "crop-padding"} {
		if f := fl.Lookup(n); f != nil && f.Value.String() != "0" {
			names = append(names, n)
		}
	}
	names = append(names, "flip", "seed")
	line := settingsLine(fl, names, r.given, r.fromRecipe, r.Recipe)
	if r.Recipe != "" {
		line = "recipe " + r.Recipe + ": " + line
	}
	return line
}
