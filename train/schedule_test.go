package train

import (
	"math"
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
	}
	for _, c := range cases {
		for _, step := range []int{0, 5} { // none of them depend on the step
			if got := c.s.LR(c.epoch, step); math.Abs(got-c.want) > 1e-12 {
				t.Errorf("%s: LR(%d, %d) = %v, want %v", c.name, c.epoch, step, got, c.want)
			}
		}
	}
}

func TestScheduleFill(t *testing.T) {
	if got := (StepLR{Every: 1}).fill(0.5, 3).LR(1, 0); math.Abs(got-0.05) > 1e-12 {
		t.Errorf("StepLR with zero Base in a trainer with LR 0.5: %v, want 0.05", got)
	}
	if got := (Cosine{}).fill(0.4, 2).LR(1, 0); math.Abs(got-0.2) > 1e-12 {
		t.Errorf("zero Cosine in a 2-epoch trainer with LR 0.4: epoch 1 LR %v, want 0.2", got)
	}
	if got := Constant(0).fill(0.3, 1).LR(0, 0); got != 0.3 {
		t.Errorf("Constant(0) in a trainer with LR 0.3: %v", got)
	}
	if got := Constant(0.7).fill(0.3, 1).LR(0, 0); got != 0.7 {
		t.Errorf("Constant(0.7) in a trainer with LR 0.3: %v", got)
	}
}

func TestCosinePerStep(t *testing.T) {
	c := Cosine{Base: 1, Epochs: 2, PerStep: true}.withSteps(4)
	want := []float64{1, 0.9619397662556434, 0.8535533905932737, 0.6913417161825449, 0.5}
	for i, w := range want {
		if got := c.LR(i/4, i%4); math.Abs(got-w) > 1e-12 {
			t.Errorf("step %d: lr %v, want %v", i, got, w)
		}
	}
	if got := (Cosine{Base: 1, Epochs: 2}).withSteps(4).LR(0, 3); got != 1 {
		t.Errorf("per-epoch cosine moved within the epoch: %v", got)
	}
}
