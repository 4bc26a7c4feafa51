package main

import (
	"github.com/convzoo/convzoo/zoo"
	"github.com/pkg/errors"
	"github.com/spf13/cobra"
)

// modelFlags are the flags that choose and shape a model.
type modelFlags struct {
	classes, channels, size, batch int
	aux                            bool
}

func (m *modelFlags) register(cmd *cobra.Command, batch int) {
	f := cmd.Flags()
	f.IntVar(&m.classes, "classes", 0, "number of classes (0: the model's default)")
	f.IntVar(&m.channels, "channels", 0, "input channels (0: the model's default)")
	f.IntVar(&m.size, "size", 0, "input height and width (0: the model's default)")
	f.IntVar(&m.batch, "batch", batch, "batch size")
	f.BoolVar(&m.aux, "aux", false, "GoogLeNet: add the auxiliary classifiers")
}

func (m *modelFlags) resolve(name string) (zoo.Spec, zoo.Config, error) {
	spec, err := zoo.Get(name)
	if err != nil {
		return zoo.Spec{}, zoo.Config{}, err
	}
	if m.classes < 0 || m.channels < 0 || m.size < 0 {
		return spec, zoo.Config{}, errors.New("--classes, --channels and --size must not be negative")
	}
	if m.batch <= 0 {
		return spec, zoo.Config{}, errors.Errorf("--batch must be positive, got %d", m.batch)
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
