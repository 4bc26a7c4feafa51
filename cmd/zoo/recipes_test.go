package main

import (
	"strings"
	"testing"
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
	err := f.recipe.resolve(cmd.Flags(), model)
	return f, f.recipe.settings(cmd.Flags()), err
}

func TestRecipes(t *testing.T) {
	// lenet's default recipe: today's LeNet-5 default.
	f, line, err := resolved(t, "lenet")
	if err != nil {
		t.Fatal(err)
	}
	if f.m.batch != 32 || f.schedule != "cosine" || f.optimizer != "adam" || f.lr != 1e-3 {
		t.Errorf("lenet default: batch %d schedule %s optimizer %s lr %g", f.m.batch, f.schedule, f.optimizer, f.lr)
	}
	if !strings.Contains(line, "recipe lenet:") || !strings.Contains(line, "--batch 32 (recipe lenet)") || strings.Contains(line, "momentum") {
		t.Errorf("settings line %q", line)
	}
	// Other models start from the flags' defaults.
	if f, _, err = resolved(t, "resnet20"); err != nil || f.m.batch != 64 || f.schedule != "constant" {
		t.Errorf("resnet20 without recipe: batch %d schedule %s (%v)", f.m.batch, f.schedule, err)
	}
	if f, _, err = resolved(t, "lenet", "--recipe", "none"); err != nil || f.m.batch != 64 {
		t.Errorf("--recipe none: batch %d (%v)", f.m.batch, err)
	}
	// He et al. 2016, explicit flags win.
	f, line, err = resolved(t, "resnet20", "--recipe", "resnet-cifar", "--batch", "64", "--epochs", "2")
	if err != nil {
		t.Fatal(err)
	}
	if f.optimizer != "sgd" || f.lr != 0.1 || f.momentum != 0.9 || f.weightDecay != 1e-4 || f.m.batch != 64 || f.epochs != 2 ||
		f.schedule != "multistep" || len(f.sched.Milestones) != 2 || f.sched.Milestones[0] != 82 || f.sched.Milestones[1] != 123 ||
		f.sched.Gamma != 0.1 || f.recipe.cropPadding != 4 || !f.recipe.flip {
		t.Errorf("resnet-cifar: %+v %+v %+v", *f, f.sched, f.recipe)
	}
	for _, want := range []string{"--batch 64 (flag)", "--lr 0.1 (recipe resnet-cifar)", "--milestones 82,123 (recipe resnet-cifar)",
		"--momentum 0.9 (recipe resnet-cifar)", "--flip true (recipe resnet-cifar)", "--seed 1"} {
		if !strings.Contains(line, want) {
			t.Errorf("settings line %q lacks %q", line, want)
		}
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
		{[]string{"--recipe", "resnet-cifar", "--optimizer", "adamw", "--momentum", "0.8"}, "--momentum does nothing with --optimizer adamw"},
		{[]string{"--label-smoothing", "1"}, "--label-smoothing must be in [0, 1)"},
		{[]string{"--clip-grad-norm", "-1"}, "--clip-grad-norm"},
		{[]string{"--crop-padding", "-2"}, "--crop-padding"},
	} {
		if _, _, err := resolved(t, "lenet", tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
	// The recipe's momentum is no error when the user picks adam.
	if _, _, err := resolved(t, "resnet20", "--recipe", "resnet-cifar", "--optimizer", "adam"); err != nil {
		t.Errorf("recipe momentum with --optimizer adam: %v", err)
	}
}
