package train

import "math"

// A Schedule gives the learning rate of each step. epoch counts from 0 and
// step counts from 0 within the epoch. A Trainer with a Schedule uses its
// LR in place of Config.LR.
type Schedule interface {
	LR(epoch, step int) float64
}

// defaultLR is the learning rate a schedule's zero Base stands for when it
// is used on its own; a Trainer substitutes Config.LR.
const defaultLR = 1e-3

// filler is implemented by the schedules of this package so that a Trainer
// can fill their zero fields from its Config.
type filler interface {
	fill(lr float64, epochs int) Schedule
}

// Constant is a fixed learning rate; 0 means Config.LR in a Trainer (1e-3
// on its own).
type Constant float64

// LR returns the constant.
func (c Constant) LR(epoch, step int) float64 { return orDefault(float64(c), defaultLR) }

func (c Constant) fill(lr float64, _ int) Schedule {
	if c == 0 {
		return Constant(lr)
	}
	return c
}

// StepLR multiplies the learning rate by Gamma every Every epochs, as
// torch.optim.lr_scheduler.StepLR stepped once per epoch:
// Base·Gamma^⌊epoch/Every⌋.
type StepLR struct {
	Base  float64 // 0 means Config.LR in a Trainer (1e-3 on its own)
	Every int     // epochs between decays; 0 means never decay
	Gamma float64 // 0 means 0.1
}

// LR returns the learning rate of the epoch.
func (s StepLR) LR(epoch, step int) float64 {
	base := orDefault(s.Base, defaultLR)
	if s.Every <= 0 {
		return base
	}
	return base * math.Pow(orDefault(s.Gamma, 0.1), float64(epoch/s.Every))
}

func (s StepLR) fill(lr float64, _ int) Schedule {
	if s.Base == 0 {
		s.Base = lr
	}
	return s
}

// Cosine anneals the learning rate from Base to 0 over Epochs epochs, as
// torch.optim.lr_scheduler.CosineAnnealingLR(T_max=Epochs, eta_min=0)
// stepped once per epoch: Base·(1 + cos(π·epoch/Epochs))/2, or, with
// PerStep, stepped after every batch (T_max = Epochs·steps per epoch).
// Epochs past the end stay at 0.
type Cosine struct {
	Base    float64 // 0 means Config.LR in a Trainer (1e-3 on its own)
	Epochs  int     // 0 means Config.Epochs in a Trainer (1 on its own)
	PerStep bool    // anneal at every step; needs a Trainer, which knows the steps per epoch
	steps   int     // steps per epoch, set by the Trainer
}

// LR returns the learning rate of the epoch (and step, with PerStep).
func (c Cosine) LR(epoch, step int) float64 {
	base, n := orDefault(c.Base, defaultLR), max(c.Epochs, 1)
	if epoch >= n {
		return 0
	}
	t := float64(epoch)
	if c.PerStep && c.steps > 0 {
		t += float64(step) / float64(c.steps)
	}
	return base * (1 + math.Cos(math.Pi*t/float64(n))) / 2
}

func (c Cosine) withSteps(n int) Schedule {
	c.steps = n
	return c
}

func (c Cosine) fill(lr float64, epochs int) Schedule {
	if c.Base == 0 {
		c.Base = lr
	}
	if c.Epochs == 0 {
		c.Epochs = epochs
	}
	return c
}
