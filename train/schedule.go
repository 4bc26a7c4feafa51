package train

import (
	"math"
	"sort"
)

// A Schedule gives the learning rate of each step from a ScheduleContext.
// A Trainer calls LR before every step and uses the result in place of
// Config.LR. LR must be a pure function of its context (a Trainer may call
// it several times for one step, and a resumed run calls it with the
// context of the step it resumes at): state that depends on the run, such
// as ReduceLROnPlateau's, is recomputed from ScheduleContext.Losses.
type Schedule interface {
	LR(ctx ScheduleContext) float64
}

// ScheduleContext is where the run stands when a Schedule is asked for
// the learning rate of a step.
type ScheduleContext struct {
	Epoch         int     // epoch of the step, from 0
	Step          int     // step within the epoch, from 0
	StepsPerEpoch int     // steps each epoch runs; 0 when unknown
	Epochs        int     // epochs of the run (Config.Epochs); 0 when unknown
	BaseLR        float64 // Config.LR; 0 means 1e-3
	// Losses holds the monitored loss of every completed epoch, in order:
	// the test loss, or the training loss when Fit has no test set. It has
	// Epoch entries in a Trainer.
	Losses []float64
}

// GlobalStep is the number of steps before this one in the run.
func (c ScheduleContext) GlobalStep() int { return c.Epoch*c.StepsPerEpoch + c.Step }

// Metric is the monitored loss of the last completed epoch, NaN before the
// first epoch ends.
func (c ScheduleContext) Metric() float64 {
	if len(c.Losses) == 0 {
		return math.NaN()
	}
	return c.Losses[len(c.Losses)-1]
}

// base is the context's base learning rate, or v when v is not 0.
func (c ScheduleContext) base(v float64) float64 {
	if v != 0 {
		return v
	}
	return orDefault(c.BaseLR, defaultLR)
}

// defaultLR is the learning rate a zero Config.LR stands for.
const defaultLR = 1e-3

// Constant is a fixed learning rate; 0 means the context's BaseLR.
type Constant float64

// LR returns the constant.
func (c Constant) LR(ctx ScheduleContext) float64 { return ctx.base(float64(c)) }

// StepLR multiplies the learning rate by Gamma every Every epochs, as
// torch.optim.lr_scheduler.StepLR stepped once per epoch:
// Base·Gamma^⌊epoch/Every⌋.
type StepLR struct {
	Base  float64 // 0 means the context's BaseLR
	Every int     // epochs between decays; 0 means never decay
	Gamma float64 // 0 means 0.1
}

// LR returns the learning rate of the epoch.
func (s StepLR) LR(ctx ScheduleContext) float64 {
	base := ctx.base(s.Base)
	if s.Every <= 0 {
		return base
	}
	return base * math.Pow(orDefault(s.Gamma, 0.1), float64(ctx.Epoch/s.Every))
}

// MultiStepLR multiplies the learning rate by Gamma at each milestone
// epoch, as torch.optim.lr_scheduler.MultiStepLR stepped once per epoch: at
// epoch e the rate is Base·Gamma^k, k the number of milestones ≤ e (a
// milestone listed twice counts twice). The products are taken one
// milestone at a time, as PyTorch does.
type MultiStepLR struct {
	Base       float64 // 0 means the context's BaseLR
	Milestones []int   // epochs (from 0) at which to decay, any order; none means constant
	Gamma      float64 // 0 means 0.1
}

// LR returns the learning rate of the epoch.
func (s MultiStepLR) LR(ctx ScheduleContext) float64 {
	ms := append([]int(nil), s.Milestones...)
	sort.Ints(ms)
	lr, g := ctx.base(s.Base), orDefault(s.Gamma, 0.1)
	for i := 0; i < len(ms) && ms[i] <= ctx.Epoch; {
		k := 1
		for i+k < len(ms) && ms[i+k] == ms[i] {
			k++
		}
		lr *= math.Pow(g, float64(k))
		i += k
	}
	return lr
}

// Cosine anneals the learning rate from Base to 0 over Epochs epochs, as
// torch.optim.lr_scheduler.CosineAnnealingLR(T_max=Epochs, eta_min=0)
// stepped once per epoch: Base·(1 + cos(π·epoch/Epochs))/2, or, with
// PerStep, stepped after every batch (T_max = Epochs·StepsPerEpoch).
// Epochs past the end stay at 0.
type Cosine struct {
	Base    float64 // 0 means the context's BaseLR
	Epochs  int     // 0 means the context's Epochs (1 when that is 0 too)
	PerStep bool    // anneal at every step; needs the context's StepsPerEpoch
}

// LR returns the learning rate of the epoch (and step, with PerStep).
func (c Cosine) LR(ctx ScheduleContext) float64 {
	base, n := ctx.base(c.Base), max(c.Epochs, 1)
	if c.Epochs == 0 {
		n = max(ctx.Epochs, 1)
	}
	if ctx.Epoch >= n {
		return 0
	}
	t := float64(ctx.Epoch)
	if c.PerStep && ctx.StepsPerEpoch > 0 {
		t += float64(ctx.Step) / float64(ctx.StepsPerEpoch)
	}
	return base * (1 + math.Cos(math.Pi*t/float64(n))) / 2
}
