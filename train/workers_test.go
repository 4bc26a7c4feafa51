package train

import (
	"testing"

	"github.com/convzoo/convzoo/data"
)

// TestWorkersSameRun trains with the batches prepared by prefetch
// goroutines and by the step's goroutine, with augmentation: the losses
// and weights must be equal bit for bit (run under -race in CI).
func TestWorkersSameRun(t *testing.T) {
	run := func(workers int) ([]float64, *Trainer) {
		var losses []float64
		tr := newTrainer(t, Config{Epochs: 2, BatchSize: 16, Seed: 4, Workers: workers, Hooks: []Hook{lossRecorder(&losses)},
			Augment: []data.Transform{data.RandomCrop{Padding: 1}, data.HorizontalFlip{P: 0.5}}})
		if _, err := tr.Fit(patterns(96, 1), nil); err != nil {
			t.Fatal(err)
		}
		return losses, tr
	}
	want, a := run(-1)
	for _, w := range []int{0, 3} {
		got, b := run(w)
		if !equal(got, want) {
			t.Errorf("Workers %d: losses %v, want %v", w, got, want)
		}
		for _, p := range a.Params().All() {
			if !equal(values(t, b.Params(), p.Name), values(t, a.Params(), p.Name)) {
				t.Errorf("Workers %d: %s differs", w, p.Name)
			}
		}
	}
	if n := a.workers(patterns(1, 1)); n != 0 {
		t.Errorf("Workers -1 gives %d goroutines", n)
	}
	if n := newTrainer(t, Config{}).workers(patterns(1, 1)); n != 1 {
		t.Errorf("Workers 0 with a data.Set gives %d goroutines, want 1", n)
	}
}
