package main

import (
	"strconv"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/zoo"
	"github.com/pkg/errors"
	"github.com/spf13/cobra"
)

// Bounds of the model flags, checked as the command line is parsed: a
// value outside them is refused before any work (the graph refuses any
// tensor over graph.MaxElements too, but a 1e8-class Linear layer within
// that bound would still take gigabytes).
const (
	maxClasses  = 100_000
	maxChannels = 4096
	maxSize     = data.MaxFolderSize
	maxBatch    = 1 << 16
)

// modelFlags are the flags that choose and shape a model.
type modelFlags struct {
	classes, channels, size, batch int
	aux                            bool
}

// modelFlagsOf lists the model flags each command takes: a command never
// registers a flag it would ignore, so giving one is cobra's "unknown flag"
// error naming it. The input of forward (its batch, channels and size) is
// its --input tensor; eval and train read channels from the data set;
// only training graphs have GoogLeNet's auxiliary classifiers.
var modelFlagsOf = map[string][]string{
	"summary": {"classes", "channels", "size", "batch"},
	"train":   {"classes", "size", "batch", "aux"},
	"eval":    {"classes", "size", "batch"},
	"forward": {"classes"},
	"bench":   {"classes", "channels", "size", "batch", "aux"},
}

// register adds to cmd the model flags modelFlagsOf lists for it; batch is
// the default batch size.
func (m *modelFlags) register(cmd *cobra.Command, batch int) {
	f := cmd.Flags()
	m.batch = batch
	for _, name := range modelFlagsOf[cmd.Name()] {
		switch name {
		case "classes":
			f.Var(intIn(&m.classes, 0, maxClasses), name, "number of classes (0: the model's default)")
		case "channels":
			f.Var(intIn(&m.channels, 0, maxChannels), name, "input channels (0: the model's default)")
		case "size":
			f.Var(intIn(&m.size, 0, maxSize), name, "input height and width (0: the model's default; image folders are resized to it)")
		case "batch":
			f.Var(intIn(&m.batch, 1, maxBatch), name, "batch size")
		case "aux":
			f.BoolVar(&m.aux, name, false, "GoogLeNet: add the auxiliary classifiers to the training graph")
		}
	}
}

func (m *modelFlags) resolve(name string) (zoo.Spec, zoo.Config, error) {
	spec, err := zoo.Get(name)
	if err != nil {
		return zoo.Spec{}, zoo.Config{}, err
	}
	if m.aux && spec.Family != "GoogLeNet" {
		return spec, zoo.Config{}, errors.Errorf("--aux: %s has no auxiliary classifiers (GoogLeNet has)", spec.Name)
	}
	return spec, zoo.Config{Classes: m.classes, InChannels: m.channels, AuxLogits: m.aux}, nil
}

// inputDims is the model's input (C,H,W) under cfg and an optional size.
func inputDims(spec zoo.Spec, cfg zoo.Config, size int) (c, h, w int) {
	c, h, w = spec.Input[0], spec.Input[1], spec.Input[2]
	if cfg.InChannels > 0 {
		c = cfg.InChannels
	}
	if size > 0 {
		h, w = size, size
	}
	return c, h, w
}

// boundedInt is an int flag that takes only whole numbers in [lo, hi].
type boundedInt struct {
	p      *int
	lo, hi int
}

// intIn returns a flag value that stores into p, keeping p's value as the
// default, and refuses anything but a whole number from lo to hi.
func intIn(p *int, lo, hi int) *boundedInt { return &boundedInt{p: p, lo: lo, hi: hi} }

func (v *boundedInt) String() string { return strconv.Itoa(*v.p) }
func (v *boundedInt) Type() string   { return "int" }
func (v *boundedInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < v.lo || n > v.hi {
		return errors.Errorf("want a whole number from %d to %d", v.lo, v.hi)
	}
	*v.p = n
	return nil
}
