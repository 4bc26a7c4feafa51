package main

import (
	"math"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/train"
)

func TestScheduleFlags(t *testing.T) {
	ok := scheduleFlags{Gamma: 0.1, Patience: 10, WarmupFactor: 0.01}
	for _, c := range []struct {
		name string
		edit func(*scheduleFlags)
		want string
	}{
		{"multistep", nil, "needs --milestones"},
		{"cosine", func(s *scheduleFlags) { s.Milestones = []int{3} }, "--milestones needs --schedule multistep"},
		{"multistep", func(s *scheduleFlags) { s.Milestones = []int{0} }, "positive epochs"},
		{"constant", func(s *scheduleFlags) { s.Gamma = 2 }, "--gamma"},
		{"constant", func(s *scheduleFlags) { s.WarmupEpochs = -1 }, "--warmup-epochs"},
		{"linear", nil, `unknown schedule "linear"`},
	} {
		s := ok
		if c.edit != nil {
			c.edit(&s)
		}
		if _, err := s.schedule(c.name); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: error %v, want %q", c.name, s, err, c.want)
		}
	}
	// He et al.'s CIFAR recipe with a 2-epoch warm-up: 0.001, 0.0505, then
	// 0.1 until the milestones (counted after the warm-up).
	s := ok
	s.Milestones, s.WarmupEpochs = []int{82, 123}, 2
	sched, err := s.schedule("multistep")
	if err != nil {
		t.Fatal(err)
	}
	for e, want := range map[int]float64{0: 0.001, 1: 0.0505, 2: 0.1, 83: 0.1, 84: 0.01, 125: 0.001} {
		if got := sched.LR(train.ScheduleContext{Epoch: e, BaseLR: 0.1, Epochs: 164}); math.Abs(got-want) > 1e-12 {
			t.Errorf("epoch %d: lr %v, want %v", e, got, want)
		}
	}
}
