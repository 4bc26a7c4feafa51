package train

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

func TestSchedules(t *testing.T) {
	cases := []struct {
		name  string
		s     Schedule
		epoch int
		want  float64
	}{
		{"constant", Constant(0.1), 7, 0.1},
		{"constant zero", Constant(0), 0, 1e-3},
		{"step before", StepLR{Base: 0.1, Every: 3, Gamma: 0.5}, 2, 0.1},
		{"step first decay", StepLR{Base: 0.1, Every: 3, Gamma: 0.5}, 3, 0.05},
		{"step two decays", StepLR{Base: 0.1, Every: 3, Gamma: 0.5}, 7, 0.025},
		{"step default gamma", StepLR{Base: 1, Every: 2}, 4, 0.01},
		{"step never", StepLR{Base: 1}, 100, 1},
		{"cosine start", Cosine{Base: 0.2, Epochs: 4}, 0, 0.2},
		{"cosine middle", Cosine{Base: 0.2, Epochs: 4}, 2, 0.1},
		{"cosine quarter", Cosine{Base: 0.2, Epochs: 4}, 1, 0.1 * (1 + math.Sqrt2/2)},
		{"cosine after", Cosine{Base: 0.2, Epochs: 4}, 4, 0},
		{"multistep default gamma", MultiStepLR{Base: 1, Milestones: []int{3, 1}}, 3, 0.01},
		{"multistep none", MultiStepLR{Base: 1}, 30, 1},
	}
	for _, c := range cases {
		for _, step := range []int{0, 5} { // none of them depend on the step
			ctx := ScheduleContext{Epoch: c.epoch, Step: step, StepsPerEpoch: 10}
			if got := c.s.LR(ctx); math.Abs(got-c.want) > 1e-12 {
				t.Errorf("%s: LR(epoch %d, step %d) = %v, want %v", c.name, c.epoch, step, got, c.want)
			}
		}
	}
}

// TestScheduleDefaults checks that zero fields take the context's BaseLR
// and Epochs, as in a Trainer.
func TestScheduleDefaults(t *testing.T) {
	ctx := func(epoch int) ScheduleContext { return ScheduleContext{Epoch: epoch, BaseLR: 0.4, Epochs: 2} }
	for _, c := range []struct {
		name string
		s    Schedule
		ctx  ScheduleContext
		want float64
	}{
		{"StepLR", StepLR{Every: 1}, ctx(1), 0.04},
		{"Cosine", Cosine{}, ctx(1), 0.2},
		{"Constant(0)", Constant(0), ctx(0), 0.4},
		{"Constant(0.7)", Constant(0.7), ctx(0), 0.7},
		{"MultiStepLR", MultiStepLR{Milestones: []int{1}}, ctx(1), 0.04},
		{"Plateau", Plateau{}, ctx(0), 0.4},
		{"Warmup nil Then", Warmup{Epochs: 2}, ctx(0), 0.004},
	} {
		if got := c.s.LR(c.ctx); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCosinePerStep(t *testing.T) {
	c := Cosine{Base: 1, Epochs: 2, PerStep: true}
	want := []float64{1, 0.9619397662556434, 0.8535533905932737, 0.6913417161825449, 0.5}
	for i, w := range want {
		if got := c.LR(ScheduleContext{Epoch: i / 4, Step: i % 4, StepsPerEpoch: 4}); math.Abs(got-w) > 1e-12 {
			t.Errorf("step %d: lr %v, want %v", i, got, w)
		}
	}
	if got := (Cosine{Base: 1, Epochs: 2}).LR(ScheduleContext{Step: 3, StepsPerEpoch: 4}); got != 1 {
		t.Errorf("per-epoch cosine moved within the epoch: %v", got)
	}
}

// A user's schedule sees every field of the context: here a per-step
// schedule of its own, which needs StepsPerEpoch from the Trainer.
type halfEveryStep struct{}

func (halfEveryStep) LR(ctx ScheduleContext) float64 {
	return ctx.BaseLR * math.Pow(0.5, float64(ctx.GlobalStep()))
}

// torchCase is one sequence of testdata/schedules.json, written by
// testdata/schedules.py with torch.optim.lr_scheduler.
type torchCase struct {
	Base, Start, Gamma, Factor float64
	MinLR                      float64 `json:"min_lr"`
	Epochs, Warmup, Steps      int
	Patience, Cooldown         int
	Milestones                 []int
	Losses                     []float64
	LRs                        []float64 `json:"lrs"`
}

// TestSchedulesAgainstTorch compares the learning rate of every epoch (or
// step) with PyTorch's schedulers composed as torchvision's train.py does.
func TestSchedulesAgainstTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/schedules.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases map[string]torchCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	scheds := map[string]func(c torchCase) (Schedule, bool){ // bool: per step
		"warmup_cosine": func(c torchCase) (Schedule, bool) {
			return Warmup{Epochs: c.Warmup, StartFactor: c.Start, Then: Cosine{}}, false
		},
		"warmup_multistep": func(c torchCase) (Schedule, bool) {
			return Warmup{Epochs: c.Warmup, StartFactor: c.Start, Then: MultiStepLR{Milestones: c.Milestones, Gamma: c.Gamma}}, false
		},
		"multistep": func(c torchCase) (Schedule, bool) {
			return MultiStepLR{Milestones: c.Milestones, Gamma: c.Gamma}, false
		},
		"multistep_resnet": func(c torchCase) (Schedule, bool) { return MultiStepLR{Milestones: c.Milestones}, false },
		"warmup_steps":     func(c torchCase) (Schedule, bool) { return Warmup{Steps: c.Steps, StartFactor: c.Start}, true },
		"plateau": func(c torchCase) (Schedule, bool) {
			return Plateau{Factor: c.Factor, Patience: c.Patience, Cooldown: c.Cooldown, MinLR: c.MinLR}, false
		},
		"plateau_default": func(c torchCase) (Schedule, bool) { return Plateau{}, false },
	}
	if len(cases) != len(scheds) {
		t.Fatalf("%d cases in schedules.json, %d here", len(cases), len(scheds))
	}
	for name, c := range cases {
		mk, ok := scheds[name]
		if !ok || len(c.LRs) == 0 {
			t.Fatalf("case %q: no schedule or no rates", name)
		}
		s, perStep := mk(c)
		for i, want := range c.LRs {
			ctx := ScheduleContext{Epoch: i, BaseLR: c.Base, Epochs: c.Epochs, Losses: c.Losses[:min(i, len(c.Losses))]}
			if perStep {
				ctx = ScheduleContext{Epoch: i / 3, Step: i % 3, StepsPerEpoch: 3, BaseLR: c.Base}
			}
			if got := s.LR(ctx); math.Abs(got-want) > 1e-12*want {
				t.Errorf("%s: LR %d = %v, torch %v", name, i, got, want)
			}
		}
	}
}

// TestTrainerScheduleContext runs a user's per-step schedule and a plateau
// in a Trainer: the Trainer passes steps per epoch, the base rate and the
// monitored losses.
func TestTrainerScheduleContext(t *testing.T) {
	var lrs []float64
	rec := HookFuncs{Step: func(s *State) error { lrs = append(lrs, s.LR); return nil }}
	tr := newTrainer(t, Config{Epochs: 2, BatchSize: 16, LR: 0.5, Schedule: halfEveryStep{}, Seed: 1, Hooks: []Hook{rec}})
	if _, err := tr.Fit(patterns(64, 1), nil); err != nil {
		t.Fatal(err)
	}
	if len(lrs) != 8 {
		t.Fatalf("%d steps, want 8", len(lrs))
	}
	for i, lr := range lrs {
		if want := 0.5 * math.Pow(0.5, float64(i)); lr != want {
			t.Errorf("step %d: lr %v, want %v", i, lr, want)
		}
	}

	// Patience 0 (negative here) and a loss that cannot improve by 90%:
	// the first loss sets the best, the second is a bad epoch and halves the
	// rate for the third.
	lrs = nil
	tr = newTrainer(t, Config{Epochs: 3, BatchSize: 32, LR: 0.01, Seed: 1, Hooks: []Hook{rec},
		Schedule: Plateau{Factor: 0.5, Patience: -1, Threshold: 0.9}})
	if _, err := tr.Fit(patterns(64, 1), patterns(32, 2)); err != nil {
		t.Fatal(err)
	}
	if want := []float64{0.01, 0.01, 0.01, 0.01, 0.005, 0.005}; !equal(lrs, want) {
		t.Errorf("plateau rates %v, want %v", lrs, want)
	}
}
