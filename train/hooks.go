package train

import (
	"fmt"
	"io"
	"math"
	"os"

	"github.com/pkg/errors"
	"github.com/schollz/progressbar/v3"
)

// A Hook reacts to the named events of Fit. An error from a hook ends Fit
// with that error. OnEnd runs only when Fit completes without error.
type Hook interface {
	OnStart(*State) error    // before the first step
	OnStep(*State) error     // after every optimizer step
	OnEpochEnd(*State) error // after each epoch and its evaluation; State.Epochs has its stats
	OnEnd(*State) error      // after the last epoch
}

// HookFuncs is a Hook made of optional functions; nil ones do nothing.
type HookFuncs struct {
	Start, Step, EpochEnd, End func(*State) error
}

func call(f func(*State) error, s *State) error {
	if f == nil {
		return nil
	}
	return f(s)
}

// OnStart calls Start.
func (h HookFuncs) OnStart(s *State) error { return call(h.Start, s) }

// OnStep calls Step.
func (h HookFuncs) OnStep(s *State) error { return call(h.Step, s) }

// OnEpochEnd calls EpochEnd.
func (h HookFuncs) OnEpochEnd(s *State) error { return call(h.EpochEnd, s) }

// OnEnd calls End.
func (h HookFuncs) OnEnd(s *State) error { return call(h.End, s) }

// ProgressBar reports progress on w: a live bar per epoch when w is a
// terminal, otherwise one line per epoch:
//
//	epoch 1/5  train loss 0.2311 acc 0.9312  test loss 0.0712 acc 0.9779  12.3s
func ProgressBar(w io.Writer) Hook {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return HookFuncs{Step: p.step, EpochEnd: p.epochEnd}
}

type progress struct {
	w   io.Writer
	tty bool
	bar *progressbar.ProgressBar
}

func (p *progress) step(s *State) error {
	if !p.tty {
		return nil
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(s.StepsPerEpoch, progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(fmt.Sprintf("epoch %d/%d", s.Epoch, s.NumEpochs)),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("step"),
			progressbar.OptionThrottle(100e6), progressbar.OptionClearOnFinish())
	}
	p.bar.Describe(fmt.Sprintf("epoch %d/%d loss %.4f", s.Epoch, s.NumEpochs, s.Loss))
	return p.bar.Set(s.Step)
}

func (p *progress) epochEnd(s *State) error {
	if p.bar != nil {
		p.bar.Finish() //nolint:errcheck // cosmetic
		p.bar = nil
	}
	_, err := fmt.Fprintln(p.w, EpochLine(s.Epochs[len(s.Epochs)-1], s.NumEpochs))
	return errors.Wrap(err, "train: progress")
}

// EpochLine formats one epoch's statistics as ProgressBar prints them.
func EpochLine(e EpochStats, epochs int) string {
	line := fmt.Sprintf("epoch %d/%d  train loss %.4f acc %.4f", e.Epoch, epochs, e.TrainLoss, e.TrainAcc)
	if !math.IsNaN(e.TestLoss) {
		line += fmt.Sprintf("  test loss %.4f acc %.4f", e.TestLoss, e.TestAcc)
	}
	return line + fmt.Sprintf("  %.1fs", e.Seconds)
}

// EarlyStopping stops Fit when the test loss (the training loss without a
// test set) has not improved by more than MinDelta for Patience epochs.
type EarlyStopping struct {
	Patience int     // 0 means 3
	MinDelta float64 // 0 means any improvement counts

	best  float64
	since int
	seen  bool
}

// OnStart resets the record.
func (e *EarlyStopping) OnStart(*State) error { e.seen, e.since = false, 0; return nil }

// OnStep does nothing.
func (e *EarlyStopping) OnStep(*State) error { return nil }

// OnEnd does nothing.
func (e *EarlyStopping) OnEnd(*State) error { return nil }

// OnEpochEnd sets s.Stop once the loss has stalled for Patience epochs.
func (e *EarlyStopping) OnEpochEnd(s *State) error {
	last := s.Epochs[len(s.Epochs)-1]
	loss := last.TestLoss
	if math.IsNaN(loss) {
		loss = last.TrainLoss
	}
	if !e.seen || loss < e.best-e.MinDelta {
		e.best, e.since, e.seen = loss, 0, true
		return nil
	}
	e.since++
	patience := e.Patience
	if patience == 0 {
		patience = 3
	}
	if e.since >= patience {
		s.Stop = true
	}
	return nil
}
