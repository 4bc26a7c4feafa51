package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pkg/errors"
	"github.com/spf13/pflag"
)

// A recipe is a named set of training settings, written as the zoo train
// flags it sets: data, so that a recipe reads like the paper's training
// section and every value goes through the flag's own parsing and checks.
// Flags given on the command line override the recipe's values.
type recipe struct {
	name, doc string
	flags     [][2]string // flag name, value
}

// recipes are the named recipes of zoo train --recipe.
var recipes = []recipe{
	{name: "lenet", doc: "convzoo's LeNet-5 default: Adam 1e-3, batch 32, cosine annealing to 0 at every step",
		flags: [][2]string{{"optimizer", "adam"}, {"lr", "1e-3"}, {"batch", "32"}, {"schedule", "cosine"}}},
	{name: "resnet-cifar", doc: "He et al. 2016, section 4.2: SGD 0.1, momentum 0.9, weight decay 1e-4, batch 128, " +
		"x0.1 at epochs 82 and 123 of 164 (32k and 48k of 64k iterations), 4-pixel padding random crop and horizontal flip",
		flags: [][2]string{{"optimizer", "sgd"}, {"lr", "0.1"}, {"momentum", "0.9"}, {"weight-decay", "1e-4"},
			{"batch", "128"}, {"epochs", "164"}, {"schedule", "multistep"}, {"milestones", "82,123"}, {"gamma", "0.1"},
			{"crop-padding", "4"}, {"flip", "true"}}},
	{name: "fashion-resnet20", doc: "examples/fashion-resnet20's recipe for ResNet-20 on Fashion-MNIST: SGD 0.1 with Nesterov momentum 0.9, " +
		"weight decay 5e-4, batch 128, cosine annealing to 0 at every step over 6 epochs, horizontal flip",
		flags: [][2]string{{"dataset", "fashion-mnist"}, {"optimizer", "sgd"}, {"lr", "0.1"}, {"momentum", "0.9"}, {"nesterov", "true"},
			{"weight-decay", "5e-4"}, {"batch", "128"}, {"epochs", "6"}, {"schedule", "cosine"}, {"flip", "true"}}},
}

// defaultRecipes is the recipe zoo train uses for a model without
// --recipe; other models start from the flags' defaults.
var defaultRecipes = map[string]string{"lenet": "lenet"}

// recipeNames lists the recipes for --help and errors.
func recipeNames() string {
	var names []string
	for _, r := range recipes {
		names = append(names, r.name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// findRecipe returns the recipe called name.
func findRecipe(name string) (recipe, error) {
	for _, r := range recipes {
		if r.name == strings.ToLower(name) {
			return r, nil
		}
	}
	return recipe{}, errors.Errorf("unknown --recipe %q (known: %s)", name, recipeNames())
}

// apply sets every flag of r that the command line did not set (given:
// the flags set by the user), and returns the names it set. A flag the
// recipe names that fs lacks, or a value the flag refuses, is an error
// naming the recipe.
func (r recipe) apply(fs *pflag.FlagSet, given map[string]bool) (map[string]bool, error) {
	set := map[string]bool{}
	for _, kv := range r.flags {
		if given[kv[0]] {
			continue
		}
		if fs.Lookup(kv[0]) == nil {
			return nil, errors.Errorf("recipe %s: no flag --%s", r.name, kv[0])
		}
		if err := fs.Set(kv[0], kv[1]); err != nil {
			return nil, errors.Wrapf(err, "recipe %s: --%s %s", r.name, kv[0], kv[1])
		}
		set[kv[0]] = true
	}
	return set, nil
}

// changedFlags returns the names of the flags the command line set.
func changedFlags(fs *pflag.FlagSet) map[string]bool {
	given := map[string]bool{}
	fs.Visit(func(f *pflag.Flag) { given[f.Name] = true })
	return given
}

// settingsLine describes the effective value of each named flag, marking
// where it came from: "(recipe NAME)", "(flag)" or nothing for a default.
func settingsLine(fs *pflag.FlagSet, names []string, given, fromRecipe map[string]bool, recipeName string) string {
	var parts []string
	for _, n := range names {
		f := fs.Lookup(n)
		if f == nil {
			continue
		}
		v := f.Value.String()
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			v = strings.Join(sv.GetSlice(), ",")
		}
		s := fmt.Sprintf("--%s %s", n, v)
		switch {
		case given[n]:
			s += " (flag)"
		case fromRecipe[n]:
			s += " (recipe " + recipeName + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}
