package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

var errKilled = errors.New("killed")

// resumeConfig is a run with every kind of state: dropout, batch norm
// buffers, momentum or moments, a plateau schedule behind a warm-up, and a
// moving average.
func resumeConfig(opt func() Optimizer) Config {
	return Config{Epochs: 3, BatchSize: 16, LR: 0.05, Seed: 7, Optimizer: opt(), EMADecay: 0.8, EMASteps: 2,
		Schedule: Warmup{Epochs: 1, StartFactor: 0.5, Then: Plateau{Patience: -1, Factor: 0.5, Threshold: 0.5}}}
}

// TestResumeExact interrupts a run after various steps (mid-epoch, the
// last step of an epoch, an epoch end), resumes it in a new Trainer over
// new Params, and requires every tensor and the history to equal the
// uninterrupted run's, bit for bit.
func TestResumeExact(t *testing.T) {
	train, test := patterns(96, 1), patterns(48, 2) // 6 steps an epoch
	for _, o := range []struct {
		name string
		opt  func() Optimizer
	}{
		{"sgd", func() Optimizer { return &SGD{Momentum: 0.9, WeightDecay: 1e-3} }},
		{"adam", func() Optimizer { return &Adam{} }},
	} {
		ref := newTrainer(t, resumeConfig(o.opt))
		want, err := ref.Fit(train, test)
		if err != nil {
			t.Fatal(err)
		}
		for _, stopAt := range []int{4, 6, 12, 17} {
			path := filepath.Join(t.TempDir(), "state.safetensors")
			cfg := resumeConfig(o.opt)
			first := newTrainer(t, cfg)
			first.cfg.Hooks = []Hook{HookFuncs{Step: func(s *State) error {
				if s.GlobalStep == stopAt {
					if err := first.SaveState(path, map[string]string{"note": "x"}); err != nil {
						return err
					}
					return errKilled
				}
				return nil
			}}}
			if _, err := first.Fit(train, test); !errors.Is(err, errKilled) {
				t.Fatalf("interrupted run: %v", err)
			}
			second := newTrainer(t, resumeConfig(o.opt))
			meta, err := second.ResumeFrom(path)
			if err != nil {
				t.Fatal(err)
			}
			if meta["note"] != "x" || len(meta) != 1 {
				t.Errorf("metadata %v", meta)
			}
			var steps []int
			second.cfg.Hooks = []Hook{HookFuncs{Step: func(s *State) error { steps = append(steps, s.GlobalStep); return nil }}}
			got, err := second.Fit(train, test)
			if err != nil {
				t.Fatal(err)
			}
			if len(steps) != 18-stopAt || (len(steps) > 0 && steps[0] != stopAt+1) {
				t.Errorf("%s stop at %d: resumed steps %v", o.name, stopAt, steps)
			}
			sameRun(t, o.name, want, got, ref, second)
		}
	}
}

// sameRun compares two runs' histories (seconds excepted) and every tensor.
func sameRun(t *testing.T, name string, want, got []EpochStats, a, b *Trainer) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d epochs, want %d", name, len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		w.Seconds, g.Seconds = 0, 0
		if w != g {
			t.Errorf("%s: epoch %d: %+v, want %+v", name, i+1, g, w)
		}
	}
	for _, p := range a.Params().All() {
		if !equal(values(t, b.Params(), p.Name), values(t, a.Params(), p.Name)) {
			t.Errorf("%s: %s differs", name, p.Name)
		}
		if !equal(values(t, b.EMA(), p.Name), values(t, a.EMA(), p.Name)) {
			t.Errorf("%s: EMA of %s differs", name, p.Name)
		}
	}
}

// TestStateCheckpointAndErrors: the hook writes at epoch ends and every N
// steps; a failed write names the path and keeps the previous file; a
// resume with another seed, optimizer or from a weights file is refused.
func TestStateCheckpointAndErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.safetensors")
	tr := newTrainer(t, resumeConfig(func() Optimizer { return &Adam{} }))
	var saved []int
	tr.cfg.Hooks = []Hook{tr.StateCheckpoint(path, 4, nil), HookFuncs{
		Step:     func(s *State) error { saved = append(saved, s.GlobalStep); return nil },
		EpochEnd: func(s *State) error { saved = append(saved, -s.Epoch); return nil }}}
	if _, err := tr.Fit(patterns(96, 1), nil); err != nil {
		t.Fatal(err)
	}
	ts, _, err := graph.ReadSafetensorsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"param/fc.weight", "param/bn.running_var", "optim/m/fc.weight", "optim/t/conv.bias", "ema/fc.weight"} {
		if ts[key] == nil {
			t.Errorf("state lacks %s", key)
		}
	}
	if step := ts["optim/t/fc.bias"].Data().([]float64)[0]; step != 18 {
		t.Errorf("Adam step count %v in the final state, want 18", step)
	}

	// A read-only folder: the error names the file, the old one stays.
	before, _ := os.ReadFile(path)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if os.Geteuid() != 0 { // root writes anyway
		if err := tr.SaveState(path, nil); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("saving into a read-only folder: %v", err)
		}
		if after, _ := os.ReadFile(path); string(after) != string(before) {
			t.Error("the failed save changed the previous state")
		}
	}
	os.Chmod(dir, 0o755)
	// As root, a folder where the file should be makes the rename fail.
	blocked := filepath.Join(dir, "blocked")
	os.Mkdir(blocked, 0o755)
	if err := tr.SaveState(blocked, nil); err == nil || !strings.Contains(err.Error(), blocked) {
		t.Errorf("saving over a folder: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".blocked*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	for _, c := range []struct {
		cfg  func(*Config)
		want string
	}{
		{func(c *Config) { c.Seed = 8 }, "seed 7"},
		{func(c *Config) { c.Optimizer = &SGD{} }, "*train.Adam"},
		{func(c *Config) { c.Epochs = 2 }, "3 epochs done"},
		{func(c *Config) { c.EMADecay = 0 }, "moving average"},
		{func(c *Config) { c.Dtype = tensor.Float64 }, "float32"},
	} {
		cfg := resumeConfig(func() Optimizer { return &Adam{} })
		c.cfg(&cfg)
		if _, err := newTrainer(t, cfg).ResumeFrom(path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("resume with %+v: %v, want %q", cfg, err, c.want)
		}
	}
	weights := filepath.Join(dir, "w.safetensors")
	if err := tr.Params().Save(weights, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := newTrainer(t, resumeConfig(func() Optimizer { return &Adam{} })).ResumeFrom(weights); err == nil || !strings.Contains(err.Error(), "not a training state") {
		t.Errorf("resume from a weights file: %v", err)
	}
}

// TestOptimizerStateRoundTrip: the state a optimizer returns, restored into
// a fresh one, gives the next update bit for bit; broken states are refused.
func TestOptimizerStateRoundTrip(t *testing.T) {
	for _, mk := range []func() StatefulOptimizer{
		func() StatefulOptimizer { return &SGD{Momentum: 0.9, Nesterov: true} },
		func() StatefulOptimizer { return &Adam{WeightDecay: 0.1, Decoupled: true} },
	} {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			p := newParam("w", dt, []float64{1, -2, 3})
			g := newParam("g", dt, []float64{0.5, 0.25, -1}).Value
			a := mk()
			for range 3 {
				if err := a.Step([]*graph.Param{p}, []*tensor.Dense{g}, 0.1); err != nil {
					t.Fatal(err)
				}
			}
			b := mk()
			if err := b.SetOptimizerState(a.OptimizerState()); err != nil {
				t.Fatal(err)
			}
			q := newParam("w", dt, getData(p.Value))
			a.Step([]*graph.Param{p}, []*tensor.Dense{g}, 0.1)
			b.Step([]*graph.Param{q}, []*tensor.Dense{g}, 0.1)
			if !equal(getData(p.Value), getData(q.Value)) {
				t.Errorf("%T %v: %v after restoring, want %v", a, dt, getData(q.Value), getData(p.Value))
			}
			st := a.OptimizerState()
			for k := range st {
				st["x"+k] = st[k]
				break
			}
			if err := mk().SetOptimizerState(st); err == nil {
				t.Errorf("%T: state with an unknown key accepted", a)
			}
		}
	}
	bad := map[string]*tensor.Dense{"m/w": vec([]float32{1}), "v/w": vec([]float32{1}), "t/w": vec([]float64{1.5})}
	if err := (&Adam{}).SetOptimizerState(bad); err == nil {
		t.Error("Adam state with step count 1.5 accepted")
	}
	delete(bad, "t/w")
	if err := (&Adam{}).SetOptimizerState(bad); err == nil {
		t.Error("Adam state without a step count accepted")
	}
}
