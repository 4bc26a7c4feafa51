package train

import "math"

// Plateau is torch.optim.lr_scheduler.ReduceLROnPlateau in mode "min" with
// threshold_mode "rel", stepped once per epoch with the monitored loss
// (ScheduleContext.Losses: the test loss, else the training loss): when
// the loss has not fallen below best·(1−Threshold) for more than Patience
// epochs, the rate is multiplied by Factor (not below MinLR), and Cooldown
// epochs pass before bad epochs count again.
//
// PyTorch's scheduler is stateful; Plateau replays the same decisions over
// the losses of the completed epochs at every call, so it needs no saved
// state and a resumed run takes the decisions of the uninterrupted one.
type Plateau struct {
	Base      float64 // 0 means the context's BaseLR
	Factor    float64 // 0 means 0.1
	Patience  int     // bad epochs tolerated; 0 means 10 (PyTorch's default); negative means 0
	Threshold float64 // relative improvement that counts; 0 means 1e-4
	Cooldown  int     // epochs after a reduction during which bad epochs are not counted; 0 means none
	MinLR     float64 // lower bound; 0 means none
}

// LR returns the learning rate after the decisions of the epochs in
// ctx.Losses[:ctx.Epoch].
func (p Plateau) LR(ctx ScheduleContext) float64 {
	lr := ctx.base(p.Base)
	factor, thr := orDefault(p.Factor, 0.1), orDefault(p.Threshold, 1e-4)
	patience := p.Patience
	switch {
	case patience == 0:
		patience = 10
	case patience < 0:
		patience = 0
	}
	best, bad, cooldown := math.Inf(1), 0, 0
	for _, loss := range ctx.Losses[:min(ctx.Epoch, len(ctx.Losses))] {
		if loss < best*(1-thr) {
			best, bad = loss, 0
		} else {
			bad++
		}
		if cooldown > 0 {
			cooldown--
			bad = 0
		}
		if bad > patience {
			if next := math.Max(lr*factor, p.MinLR); lr-next > 1e-8 {
				lr = next
			}
			cooldown, bad = p.Cooldown, 0
		}
	}
	return lr
}
