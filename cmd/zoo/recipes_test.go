package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/train"
)

// resolved parses zoo train's flags from args and applies the recipe as
// zoo train does.
func resolved(t *testing.T, model string, args ...string) (*trainFlags, string, error) {
	t.Helper()
	f := &trainFlags{}
	cmd := trainCmdOver(f)
	if err := cmd.Flags().Parse(args); err != nil {
		t.Fatal(err)
	}
	err := f.Tools.resolve(cmd.Flags(), model)
	return f, f.Tools.settings(cmd.Flags()), err
}

func TestRecipes(t *testing.T) {
	// lenet's default recipe: today's LeNet-5 default.
	f, line, err := resolved(t, "lenet")
	if err != nil {
		t.Fatal(err)
	}
	if f.m.batch != 32 || f.Schedule != "cosine" || f.Optimizer != "adam" || f.LR != 1e-3 {
		t.Errorf("lenet default: batch %d schedule %s optimizer %s lr %g", f.m.batch, f.Schedule, f.Optimizer, f.LR)
	}
	if !strings.Contains(line, "recipe lenet:") || !strings.Contains(line, "--batch 32 (recipe lenet)") || strings.Contains(line, "momentum") {
		t.Errorf("settings line %q", line)
	}
	// Other models start from the flags' defaults.
	if f, _, err = resolved(t, "resnet20"); err != nil || f.m.batch != 64 || f.Schedule != "constant" {
		t.Errorf("resnet20 without recipe: batch %d schedule %s (%v)", f.m.batch, f.Schedule, err)
	}
	if f, _, err = resolved(t, "lenet", "--recipe", "none"); err != nil || f.m.batch != 64 {
		t.Errorf("--recipe none: batch %d (%v)", f.m.batch, err)
	}
	// He et al. 2016, explicit flags win.
	f, line, err = resolved(t, "resnet20", "--recipe", "resnet-cifar", "--batch", "64", "--epochs", "2")
	if err != nil {
		t.Fatal(err)
	}
	if f.Optimizer != "sgd" || f.LR != 0.1 || f.Momentum != 0.9 || f.WeightDecay != 1e-4 || f.m.batch != 64 || f.Epochs != 2 ||
		f.Schedule != "multistep" || len(f.Sched.Milestones) != 2 || f.Sched.Milestones[0] != 82 || f.Sched.Milestones[1] != 123 ||
		f.Sched.Gamma != 0.1 || f.Tools.CropPadding != 4 || !f.Tools.Flip || f.Tools.Recipe != "resnet-cifar" {
		t.Errorf("resnet-cifar: %+v", f.runSettings)
	}
	for _, want := range []string{"--batch 64 (flag)", "--lr 0.1 (recipe resnet-cifar)", "--milestones 82,123 (recipe resnet-cifar)",
		"--momentum 0.9 (recipe resnet-cifar)", "--flip true (recipe resnet-cifar)", "--seed 1"} {
		if !strings.Contains(line, want) {
			t.Errorf("settings line %q lacks %q", line, want)
		}
	}
	f, line, err = resolved(t, "resnet20", "--recipe", "fashion-resnet20")
	if err != nil {
		t.Fatal(err)
	}
	opt, err := f.Tools.optimizer(f.Optimizer, f.Momentum, f.WeightDecay)
	if s, ok := opt.(*train.SGD); err != nil || !ok || !s.Nesterov || s.Momentum != 0.9 || s.WeightDecay != 5e-4 ||
		f.Dataset != "fashion-mnist" || f.m.batch != 128 || f.Epochs != 6 || f.Schedule != "cosine" || !f.Tools.Flip || f.LR != 0.1 {
		t.Errorf("fashion-resnet20: %+v %+v (%v)", f.runSettings, opt, err)
	}
	if !strings.Contains(line, "--nesterov true (recipe fashion-resnet20)") {
		t.Errorf("settings line %q", line)
	}
	// Every recipe applies to zoo train's flags.
	for _, r := range recipes {
		if _, _, err := resolved(t, "resnet20", "--recipe", r.name); err != nil {
			t.Errorf("recipe %s: %v", r.name, err)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--recipe", "imagenet"}, `unknown --recipe "imagenet"`},
		{[]string{"--momentum", "0.5"}, "--momentum does nothing with --optimizer adam"},
		{[]string{"--nesterov"}, "--nesterov does nothing with --optimizer adam"},
		{[]string{"--recipe", "resnet-cifar", "--optimizer", "adamw", "--momentum", "0.8"}, "--momentum does nothing with --optimizer adamw"},
		{[]string{"--patience", "3"}, "--patience does nothing with --schedule cosine"},
		{[]string{"--gamma", "0.5"}, "--gamma does nothing with --schedule cosine"},
		{[]string{"--warmup-factor", "0.1"}, "--warmup-factor does nothing without --warmup-epochs"},
		{[]string{"--ema-steps", "4"}, "--ema-steps does nothing without --ema-decay"},
		{[]string{"--label-smoothing", "1"}, "--label-smoothing must be in [0, 1)"},
		{[]string{"--clip-grad-norm", "-1"}, "--clip-grad-norm"},
		{[]string{"--crop-padding", "-2"}, "--crop-padding"},
	} {
		if _, _, err := resolved(t, "lenet", tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
	// The same flags where they do something, or set by a recipe.
	for _, args := range [][]string{
		{"--schedule", "plateau", "--patience", "3", "--gamma", "0.5"},
		{"--schedule", "multistep", "--milestones", "2", "--gamma", "0.5", "--warmup-epochs", "1", "--warmup-factor", "0.1"},
		{"--ema-decay", "0.99", "--ema-steps", "4"},
		{"--recipe", "resnet-cifar", "--schedule", "cosine"},
	} {
		if _, _, err := resolved(t, "lenet", args...); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
	// The recipe's momentum is no error when the user picks adam.
	if _, _, err := resolved(t, "resnet20", "--recipe", "resnet-cifar", "--optimizer", "adam"); err != nil {
		t.Errorf("recipe momentum with --optimizer adam: %v", err)
	}
}

// TestRecipeToolsReachTheConfig: the tool flags become the optimizer's
// norm decay, the Trainer's smoothing and clipping and the augmentation,
// and survive the settings' JSON (what --resume restores).
func TestRecipeToolsReachTheConfig(t *testing.T) {
	f, _, err := resolved(t, "resnet20", "--recipe", "resnet-cifar", "--norm-weight-decay", "0", "--label-smoothing", "0.1", "--clip-grad-norm", "2")
	if err != nil {
		t.Fatal(err)
	}
	var cfg train.Config
	f.Tools.configure(&cfg)
	if cfg.LabelSmoothing != 0.1 || cfg.ClipGradNorm != 2 || len(cfg.Augment) != 2 ||
		cfg.Augment[0] != (data.RandomCrop{Padding: 4}) || cfg.Augment[1] != (data.HorizontalFlip{}) {
		t.Errorf("config %+v", cfg)
	}
	raw, err := json.Marshal(f.runSettings)
	if err != nil {
		t.Fatal(err)
	}
	var back runSettings
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	for _, tools := range []recipeFlags{f.Tools, back.Tools} {
		nd := tools.normDecay()
		if nd == nil || *nd != 0 {
			t.Errorf("norm decay %v, want 0", nd)
		}
		opt, err := optimizer("sgd", 0.9, 1e-4, nd)
		if s, ok := opt.(*train.SGD); err != nil || !ok || s.NormWeightDecay == nil || *s.NormWeightDecay != 0 || s.WeightDecay != 1e-4 {
			t.Errorf("optimizer %+v %v", opt, err)
		}
	}
	if f, _, _ = resolved(t, "resnet20", "--recipe", "resnet-cifar"); f.Tools.normDecay() != nil {
		t.Errorf("norm decay set without --norm-weight-decay")
	}
}
