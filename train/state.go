package train

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// stateKey is the metadata key of a state file that holds the Trainer's
// own record (stateRecord as JSON).
const stateKey = "convzoo.train.state"

// stateRecord is what a state file says about the run besides its tensors.
type stateRecord struct {
	Version    int          `json:"version"`
	Seed       int64        `json:"seed"`
	BatchSize  int          `json:"batch_size"`
	Epochs     int          `json:"epochs"`
	Dtype      string       `json:"dtype"`
	Input      [3]int       `json:"input"`
	Optimizer  string       `json:"optimizer"`
	EMAUpdates int          `json:"ema_updates"`
	Position   positionJSON `json:"position"`
}

// SaveState writes everything a run needs to continue exactly where it
// is to one safetensors file at path, atomically (a temporary file renamed
// over path, so a failed write leaves the previous file intact): the
// Params (weights and buffers) under "param/NAME", the optimizer's state
// under "optim/KIND/NAME", the moving average under "ema/NAME", and in the
// metadata the position (epochs done, steps done in the current one and
// their running sums, the history) with meta's entries. Schedules need no
// state (they are functions of ScheduleContext), and every random stream is
// reseeded from Config.Seed and the position, so none is stored.
//
// It can be called between steps: from a hook (OnStep, OnEpochEnd) or
// after Fit. The Optimizer must be a StatefulOptimizer.
func (t *Trainer) SaveState(path string, meta map[string]string) error {
	opt, ok := t.cfg.Optimizer.(StatefulOptimizer)
	if !ok {
		return errors.Errorf("train: SaveState %s: the optimizer %T cannot save its state (not a StatefulOptimizer)", path, t.cfg.Optimizer)
	}
	if !t.haveInput {
		return errors.Errorf("train: SaveState %s: nothing to save before the model is built", path)
	}
	rec := stateRecord{Version: 1, Seed: t.cfg.Seed, BatchSize: t.cfg.BatchSize, Epochs: t.cfg.Epochs,
		Dtype: t.cfg.Dtype.String(), Input: t.input, Optimizer: fmt.Sprintf("%T", opt), Position: t.at.json()}
	ts := map[string]*tensor.Dense{}
	for name, v := range t.ps.Map() {
		ts["param/"+name] = v
	}
	for name, v := range opt.OptimizerState() {
		ts["optim/"+name] = v
	}
	if t.ema != nil {
		rec.EMAUpdates = t.ema.updates
		for name, v := range t.ema.store.Map() {
			ts["ema/"+name] = v
		}
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return errors.Wrapf(err, "train: SaveState %s", path)
	}
	m := maps.Clone(meta)
	if m == nil {
		m = map[string]string{}
	}
	m[stateKey] = string(b)
	if err := graph.WriteSafetensorsFile(path, ts, m); err != nil {
		return errors.Wrap(err, "train: saving the training state")
	}
	return nil
}

// ResumeFrom reads a file written by SaveState and sets the Trainer to
// continue that run: the Params, the optimizer's state and the moving
// average take the saved values, and the next Fit starts at the saved
// step with the saved history (Fit returns, and hooks see, every epoch of
// the run). The Trainer must have the saved run's Seed, BatchSize, Dtype
// and input, and the same kind of optimizer; Config.Epochs may be larger
// (the run is extended). It returns the file's metadata (SaveState's meta).
// On error nothing is changed, except that the training graph may have
// been built.
func (t *Trainer) ResumeFrom(path string) (map[string]string, error) {
	fail := func(format string, args ...any) error {
		return errors.Errorf("train: resuming from %s: "+format, append([]any{path}, args...)...)
	}
	ts, meta, err := t.readState(path)
	if err != nil {
		return nil, errors.Wrap(err, "train: resuming")
	}
	var rec stateRecord
	raw, ok := meta[stateKey]
	if !ok {
		return nil, fail("not a training state (no %q metadata; a weights file?)", stateKey)
	}
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return nil, fail("%v", err)
	}
	pos, err := rec.Position.position()
	if err != nil {
		return nil, fail("%v", err)
	}
	opt, ok := t.cfg.Optimizer.(StatefulOptimizer)
	switch {
	case rec.Version != 1:
		return nil, fail("state version %d, want 1", rec.Version)
	case rec.Seed != t.cfg.Seed || rec.BatchSize != t.cfg.BatchSize || rec.Dtype != t.cfg.Dtype.String():
		return nil, fail("saved with seed %d, batch %d, %s; this trainer has seed %d, batch %d, %s",
			rec.Seed, rec.BatchSize, rec.Dtype, t.cfg.Seed, t.cfg.BatchSize, t.cfg.Dtype)
	case t.haveInput && rec.Input != t.input:
		return nil, fail("saved for input %v, the trainer's is %v", rec.Input, t.input)
	case !ok || rec.Optimizer != fmt.Sprintf("%T", opt):
		return nil, fail("saved with a %s, the trainer has a %T", rec.Optimizer, t.cfg.Optimizer)
	case len(pos.History) > t.cfg.Epochs:
		return nil, fail("%d epochs done, more than the trainer's %d", len(pos.History), t.cfg.Epochs)
	case rec.EMAUpdates > 0 && t.cfg.EMADecay == 0:
		return nil, fail("the run kept a moving average and this trainer has no EMADecay")
	}
	parts := map[string]map[string]*tensor.Dense{"param": {}, "optim": {}, "ema": {}}
	for key, v := range ts {
		kind, name, _ := strings.Cut(key, "/")
		if parts[kind] == nil {
			return nil, fail("unexpected tensor %q", key)
		}
		parts[kind][name] = v
	}
	t.input, t.haveInput = rec.Input, true
	if _, err := t.training(); err != nil {
		return nil, err
	}
	var avg *ema
	if t.cfg.EMADecay > 0 {
		avg = newEMA(t.ps, t.cfg.EMADecay, t.cfg.EMASteps)
		avg.updates = rec.EMAUpdates
		if rec.EMAUpdates > 0 {
			if err := avg.store.CopyFrom(parts["ema"]); err != nil {
				return nil, fail("moving average: %v", err)
			}
		}
	}
	if err := t.ps.CopyFrom(parts["param"]); err != nil {
		return nil, fail("%v", err)
	}
	if err := opt.SetOptimizerState(parts["optim"]); err != nil {
		return nil, fail("%v", err)
	}
	t.ema, t.resume, t.at = avg, &pos, pos
	delete(meta, stateKey)
	return meta, nil
}

// StateCheckpoint returns a hook that saves the Trainer's state to path
// (SaveState with meta) at the end of every epoch and, when every > 0,
// after every every-th step of the run. Attach it after the hooks whose
// output it should cover (CSVHistory), so that a state file never refers
// to an epoch the history file lacks.
func (t *Trainer) StateCheckpoint(path string, every int, meta map[string]string) Hook {
	return HookFuncs{
		Step: func(s *State) error {
			if every <= 0 || s.GlobalStep%every != 0 || s.Step == s.StepsPerEpoch {
				return nil // the end of an epoch is saved after its evaluation
			}
			return t.SaveState(path, meta)
		},
		EpochEnd: func(*State) error { return t.SaveState(path, meta) },
	}
}
