package train

// Warmup ramps the learning rate up linearly before Then takes over.
//
// With Epochs, it is torchvision's recipe (references/classification/train.py):
// SequentialLR(LinearLR(start_factor=StartFactor, total_iters=Epochs), Then,
// milestones=[Epochs]) stepped once per epoch. Epoch e < Epochs runs at
// Then's base rate times StartFactor + (1−StartFactor)·e/Epochs; from epoch
// Epochs on, Then runs as if the run had started there: it sees epoch
// e − Epochs, Epochs fewer epochs in the run (so a zero Cosine anneals
// over the remaining epochs, as train.py's T_max) and the losses from then
// on.
//
// With Steps (and Epochs 0), the factor StartFactor + (1−StartFactor)·s/Steps
// multiplies Then's rate at global step s < Steps, and Then sees the
// unshifted context: a per-step ramp on top of any schedule.
type Warmup struct {
	Epochs      int      // warm-up epochs (torchvision's --lr-warmup-epochs); 0 means use Steps
	Steps       int      // warm-up steps when Epochs is 0; both 0 means no warm-up
	StartFactor float64  // factor of the first warm-up epoch or step; 0 means 0.01 (train.py's --lr-warmup-decay)
	Then        Schedule // the schedule after (and under) the warm-up; nil means Constant(0)
}

// LR returns the learning rate of the step.
func (w Warmup) LR(ctx ScheduleContext) float64 {
	then := w.Then
	if then == nil {
		then = Constant(0)
	}
	start := orDefault(w.StartFactor, 0.01)
	switch {
	case w.Epochs > 0 && ctx.Epoch < w.Epochs:
		return then.LR(ScheduleContext{BaseLR: ctx.BaseLR, StepsPerEpoch: ctx.StepsPerEpoch,
			Epochs: max(ctx.Epochs-w.Epochs, 0)}) * linear(start, ctx.Epoch, w.Epochs)
	case w.Epochs > 0:
		inner := ctx
		inner.Epoch -= w.Epochs
		inner.Epochs = max(ctx.Epochs-w.Epochs, 0)
		inner.Losses = ctx.Losses[min(w.Epochs, len(ctx.Losses)):]
		return then.LR(inner)
	case w.Steps > 0 && ctx.GlobalStep() < w.Steps:
		return then.LR(ctx) * linear(start, ctx.GlobalStep(), w.Steps)
	}
	return then.LR(ctx)
}

// linear is LinearLR's factor at iteration i of n (end factor 1).
func linear(start float64, i, n int) float64 {
	return start + (1-start)*float64(i)/float64(n)
}
