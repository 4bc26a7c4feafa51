package train

import (
	"math"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

func TestFitLearns(t *testing.T) {
	train, test := patterns(512, 1), patterns(200, 2)
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			var losses []float64
			tr := newTrainer(t, Config{Epochs: 4, BatchSize: 32, EvalBatch: 64, LR: 1e-2, Dtype: dt, Seed: 3,
				Hooks: []Hook{lossRecorder(&losses)}})
			stats, err := tr.Fit(train, test)
			if err != nil {
				t.Fatal(err)
			}
			if len(stats) != 4 || len(losses) != 4*16 {
				t.Fatalf("%d epochs and %d steps, want 4 and 64", len(stats), len(losses))
			}
			for _, s := range stats {
				t.Log(EpochLine(s, 4))
			}
			last := stats[len(stats)-1]
			if !(last.TrainLoss <= losses[0]/2) {
				t.Errorf("train loss went from %.4f (first step) to %.4f (last epoch), want at least halved", losses[0], last.TrainLoss)
			}
			if !(last.TestAcc > 0.9) {
				t.Errorf("test accuracy %.4f, want > 0.9 (stats %+v)", last.TestAcc, stats)
			}
			for i, s := range stats {
				if s.Epoch != i+1 || s.Seconds <= 0 || math.IsNaN(s.TestLoss) {
					t.Errorf("stats[%d] = %+v", i, s)
				}
			}
			loss, acc, err := tr.Evaluate(test)
			if err != nil || loss != last.TestLoss || acc != last.TestAcc {
				t.Errorf("Evaluate after Fit = %v, %v, %v; want the last epoch's %v, %v", loss, acc, err, last.TestLoss, last.TestAcc)
			}
		})
	}
}

// Same seed: the same loss at every step, bit for bit, with shuffling,
// dropout and augmentation all on; another seed: other losses.
func TestDeterminism(t *testing.T) {
	train := patterns(256, 1)
	run := func(seed int64) []float64 {
		var losses []float64
		tr := newTrainer(t, Config{Epochs: 2, BatchSize: 32, LR: 1e-2, Seed: seed, Mean: []float32{0.3}, Std: []float32{0.4},
			Augment: []data.Transform{data.RandomCrop{Padding: 1}, data.HorizontalFlip{}}, Hooks: []Hook{lossRecorder(&losses)}})
		if _, err := tr.Fit(train, nil); err != nil {
			t.Fatal(err)
		}
		return losses
	}
	a, b, c := run(7), run(7), run(8)
	if len(a) != 16 || !equal(a, b) {
		t.Errorf("two runs with seed 7 differ:\n%v\n%v", a, b)
	}
	if equal(a, c) {
		t.Errorf("seeds 7 and 8 gave the same losses %v", a)
	}
}

func TestEvalModeAndSharedWeights(t *testing.T) {
	train, test := patterns(128, 1), patterns(100, 2)
	cfg := Config{BatchSize: 32, EvalBatch: 40, LR: 1e-2, Seed: 1, Input: []int{1, 8, 8}}
	tr := newTrainer(t, cfg)
	l1, a1, err := tr.Evaluate(test)
	if err != nil {
		t.Fatal(err)
	}
	l2, a2, err := tr.Evaluate(test)
	if err != nil || l1 != l2 || a1 != a2 {
		t.Fatalf("evaluating twice: (%v, %v) then (%v, %v, %v)", l1, a1, l2, a2, err)
	}

	// The training graph has dropout on: the same batch twice gives two losses.
	ld, err := data.NewLoader(train, data.LoaderConfig{BatchSize: 32})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ld.Next()
	n, err := tr.training()
	if err != nil {
		t.Fatal(err)
	}
	f1, err1 := n.n.run(b, nil, 0)
	f2, err2 := n.n.run(b, nil, 0)
	if err1 != nil || err2 != nil || f1 == f2 {
		t.Errorf("training forward twice: %v, %v (%v, %v); want two different losses", f1, f2, err1, err2)
	}

	// One step: the evaluation graph sees it, and agrees with a fresh one.
	mean0 := values(t, tr.Params(), "bn.running_mean")
	tr.cfg.MaxSteps = 1
	if _, err := tr.Fit(train, nil); err != nil {
		t.Fatal(err)
	}
	l3, _, err := tr.Evaluate(test)
	if err != nil || l3 == l1 {
		t.Errorf("evaluation after a step: %v (%v), before %v; want a change", l3, err, l1)
	}
	fresh, err := New(tiny, tr.Params(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	l4, _, err := fresh.Evaluate(test)
	if err != nil || l4 != l3 {
		t.Errorf("a fresh evaluation graph over the same Params gives %v (%v), want %v", l4, err, l3)
	}
	if mean1 := values(t, tr.Params(), "bn.running_mean"); equal(mean0, mean1) {
		t.Errorf("batch norm running mean did not change in training: %v", mean1)
	}

	// Evaluation uses the running statistics: changing them changes the loss.
	p, _ := tr.Params().Get("bn.running_var")
	setData(p.Value, []float64{9, 9, 9, 9})
	if l5, _, err := tr.Evaluate(test); err != nil || l5 == l3 {
		t.Errorf("evaluation ignores running_var: %v (%v)", l5, err)
	}
}

func TestNaNLoss(t *testing.T) {
	tr := newTrainer(t, Config{BatchSize: 32, Seed: 1, Input: []int{1, 8, 8}})
	p, _ := tr.Params().Get("fc.weight")
	p.Value.Data().([]float32)[5] = float32(math.NaN())
	_, err := tr.Fit(patterns(64, 1), nil)
	if err == nil || err.Error() != "train: loss is NaN at epoch 1 step 1" {
		t.Errorf("error %v, want train: loss is NaN at epoch 1 step 1", err)
	}

	tr = newTrainer(t, Config{Epochs: 3, BatchSize: 32, LR: 1e30, Optimizer: &SGD{}, Seed: 1})
	_, err = tr.Fit(patterns(128, 1), nil)
	if err == nil || !strings.Contains(err.Error(), "train: loss is") || !strings.Contains(err.Error(), "at epoch") {
		t.Errorf("LR 1e30: error %v, want a NaN/Inf loss error", err)
	}
}

func TestDataErrors(t *testing.T) {
	tr := newTrainer(t, Config{BatchSize: 32, Seed: 1})
	small := &data.Set{Name: "small", C: 1, H: 6, W: 6, Classes: 4, Images: make([]uint8, 36*40), Labels: make([]uint8, 40)}
	_, err := tr.Fit(patterns(64, 1), small)
	if err == nil || !strings.Contains(err.Error(), "1x6x6") || !strings.Contains(err.Error(), "1x8x8") {
		t.Errorf("test set of other dims: error %v", err)
	}
	if _, err := tr.Fit(patterns(16, 1), nil); err == nil || !strings.Contains(err.Error(), "fewer than one batch") {
		t.Errorf("16 examples, batch 32: error %v", err)
	}
	many := patterns(64, 1)
	many.Classes = 10
	if _, err := tr.Fit(many, nil); err == nil || !strings.Contains(err.Error(), "10 classes") {
		t.Errorf("10-class data, 4-class model: error %v", err)
	}
	if _, err := New(tiny, graph.NewParams(), Config{Dtype: tensor.Int}); err == nil {
		t.Error("no error for an int dtype")
	}
}

func TestHooksAndStop(t *testing.T) {
	var events []string
	h := HookFuncs{
		Start:    func(s *State) error { events = append(events, "start"); return nil },
		Step:     func(s *State) error { events = append(events, "step"); return nil },
		EpochEnd: func(s *State) error { events = append(events, "epoch"); s.Stop = s.Epoch == 2; return nil },
		End:      func(s *State) error { events = append(events, "end"); return nil },
	}
	tr := newTrainer(t, Config{Epochs: 5, BatchSize: 32, MaxSteps: 2, Seed: 1, Hooks: []Hook{h}})
	stats, err := tr.Fit(patterns(128, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "start step step epoch step step epoch end"
	if got := strings.Join(events, " "); got != want || len(stats) != 2 {
		t.Errorf("events %q (%d epochs), want %q (2 epochs)", got, len(stats), want)
	}
	if !math.IsNaN(stats[0].TestLoss) {
		t.Errorf("no test set, TestLoss %v, want NaN", stats[0].TestLoss)
	}
}
