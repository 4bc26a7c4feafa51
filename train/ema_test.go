package train

import (
	"testing"

	"gorgonia.org/tensor"
)

// TestEMA records the weights after every step and checks the average
// against the formula: first update copies, then ema ← d·ema + (1−d)·w at
// the steps of index 0, 2, 4... of each epoch; buffers are copied. In
// float64 the formula is evaluated in the same order, so equality is exact.
// Fit's test loss is the average's.
func TestEMA(t *testing.T) {
	const decay, every = 0.9, 2
	var fc, mean [][]float64
	rec := HookFuncs{Step: func(s *State) error {
		if (s.Step-1)%every == 0 {
			fc = append(fc, values(t, s.Params, "fc.weight"))
			mean = append(mean, values(t, s.Params, "bn.running_mean"))
		}
		return nil
	}}
	tr := newTrainer(t, Config{Epochs: 2, BatchSize: 16, Seed: 3, Dtype: tensor.Float64,
		EMADecay: decay, EMASteps: every, Hooks: []Hook{rec}})
	train, test := patterns(80, 1), patterns(40, 2) // 5 steps an epoch: updates at 0, 2, 4
	stats, err := tr.Fit(train, test)
	if err != nil {
		t.Fatal(err)
	}
	if len(fc) != 6 {
		t.Fatalf("%d updates, want 6", len(fc))
	}
	want := append([]float64(nil), fc[0]...)
	d := float64(decay)
	c := 1 - d // in float64 arithmetic, not as an exact constant
	for _, w := range fc[1:] {
		for i := range want {
			want[i] = d*want[i] + c*w[i]
		}
	}
	if got := values(t, tr.EMA(), "fc.weight"); !equal(got, want) {
		t.Errorf("EMA fc.weight %v,\nwant %v", got[:4], want[:4])
	}
	if got := values(t, tr.EMA(), "bn.running_mean"); !equal(got, mean[len(mean)-1]) {
		t.Errorf("EMA running mean %v, want the last copied %v", got, mean[len(mean)-1])
	}
	if equal(values(t, tr.Params(), "fc.weight"), want) {
		t.Error("the raw weights equal the average")
	}
	raw, _, err := tr.Evaluate(test)
	if err != nil {
		t.Fatal(err)
	}
	last := stats[len(stats)-1].TestLoss
	if raw == last {
		t.Errorf("Fit's test loss %v is the raw weights'", last)
	}
	if err := tr.Params().CopyFrom(tr.EMA().Map()); err != nil {
		t.Fatal(err)
	}
	if avg, _, err := tr.Evaluate(test); err != nil || avg != last {
		t.Errorf("the average's test loss %v (%v), Fit reported %v", avg, err, last)
	}
	if _, err := New(tiny, tr.Params(), Config{EMADecay: 1}); err == nil {
		t.Error("EMADecay 1 accepted")
	}
}
