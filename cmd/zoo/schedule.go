package main

import (
	"strings"

	"github.com/convzoo/convzoo/train"
	"github.com/pkg/errors"
	"github.com/spf13/pflag"
)

// scheduleFlags are the learning-rate schedule's settings.
type scheduleFlags struct {
	Milestones   []int   `json:"milestones,omitempty"`
	Gamma        float64 `json:"gamma,omitempty"`
	Patience     int     `json:"patience,omitempty"`
	WarmupEpochs int     `json:"warmup_epochs,omitempty"`
	WarmupFactor float64 `json:"warmup_factor,omitempty"`
}

func (s *scheduleFlags) register(fl *pflag.FlagSet) {
	fl.IntSliceVar(&s.Milestones, "milestones", nil, "multistep: epochs (from 0; after the warm-up, as torchvision's SequentialLR) at which the rate is multiplied by --gamma, e.g. 82,123")
	fl.Float64Var(&s.Gamma, "gamma", 0.1, "multistep and plateau: factor of each decay")
	fl.IntVar(&s.Patience, "patience", 10, "plateau: a decay comes after more than this many epochs without a lower test loss (PyTorch's patience)")
	fl.IntVar(&s.WarmupEpochs, "warmup-epochs", 0, "linear warm-up epochs before the schedule (torchvision's --lr-warmup-epochs)")
	fl.Float64Var(&s.WarmupFactor, "warmup-factor", 0.01, "factor of the first warm-up epoch (torchvision's --lr-warmup-decay)")
}

// schedule returns the schedule called name under these settings.
func (s *scheduleFlags) schedule(name string) (train.Schedule, error) {
	switch {
	case s.Gamma <= 0 || s.Gamma > 1:
		return nil, errors.Errorf("--gamma must be in (0, 1], got %g", s.Gamma)
	case s.WarmupEpochs < 0:
		return nil, errors.Errorf("--warmup-epochs must not be negative, got %d", s.WarmupEpochs)
	case s.WarmupFactor <= 0 || s.WarmupFactor > 1:
		return nil, errors.Errorf("--warmup-factor must be in (0, 1], got %g", s.WarmupFactor)
	case s.Patience < 0:
		return nil, errors.Errorf("--patience must not be negative, got %d", s.Patience)
	}
	name = strings.ToLower(name)
	if len(s.Milestones) > 0 && name != "multistep" {
		return nil, errors.Errorf("--milestones needs --schedule multistep, not %q", name)
	}
	var sched train.Schedule
	switch name {
	case "", "constant":
		sched = train.Constant(0)
	case "cosine":
		sched = train.Cosine{PerStep: true}
	case "multistep":
		if len(s.Milestones) == 0 {
			return nil, errors.New("--schedule multistep needs --milestones, e.g. --milestones 82,123")
		}
		for _, m := range s.Milestones {
			if m < 1 {
				return nil, errors.Errorf("--milestones must be positive epochs, got %d", m)
			}
		}
		sched = train.MultiStepLR{Milestones: s.Milestones, Gamma: s.Gamma}
	case "plateau":
		p := s.Patience
		if p == 0 {
			p = -1 // train.Plateau's 0 means PyTorch's default, 10
		}
		sched = train.Plateau{Factor: s.Gamma, Patience: p}
	default:
		return nil, errors.Errorf("unknown schedule %q (known: constant, cosine, multistep, plateau)", name)
	}
	if s.WarmupEpochs > 0 {
		sched = train.Warmup{Epochs: s.WarmupEpochs, StartFactor: s.WarmupFactor, Then: sched}
	}
	return sched, nil
}
