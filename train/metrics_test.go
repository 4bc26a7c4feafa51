package train

import (
	"math"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
)

// TestMetricsByHand checks top-1, top-5, ties, the confusion matrix and
// per-class accuracy on rows worked out by hand (7 classes).
func TestMetricsByHand(t *testing.T) {
	logits := []float64{
		// label 0: best class 0            → top-1, top-5
		9, 1, 2, 3, 4, 5, 6,
		// label 1: 5 classes above it      → neither
		7, 1, 6, 5, 4, 3, 0,
		// label 2: 4 classes above it, best 6 → top-5 only
		0, 1, 2, 3, 4, 5, 6,
		// label 3: tie with class 1 (lower index ranks first) and 3 above
		//          (4,5,6), so rank 4 → top-5; best 4 (first of the three 3s)
		0, 2, 1, 2, 3, 3, 3,
		// label 1: tie with class 0 for the maximum; class 0 wins top-1
		5, 5, 0, 0, 0, 0, 0,
	}
	m := NewMetrics(7)
	if err := m.Add(logits, 7, []int{0, 1, 2, 3, 1}); err != nil {
		t.Fatal(err)
	}
	if m.Count != 5 || m.Top1 != 1 || m.Top5 != 4 {
		t.Errorf("count %d top1 %d top5 %d, want 5, 1, 4", m.Count, m.Top1, m.Top5)
	}
	if m.Acc() != 0.2 || m.Top5Acc() != 0.8 {
		t.Errorf("acc %v top-5 %v, want 0.2 and 0.8", m.Acc(), m.Top5Acc())
	}
	want := map[[2]int]int{{0, 0}: 1, {1, 0}: 2, {2, 6}: 1, {3, 4}: 1}
	for i, row := range m.Confusion {
		for j, v := range row {
			if v != want[[2]int{i, j}] {
				t.Errorf("confusion[%d][%d] = %d, want %d", i, j, v, want[[2]int{i, j}])
			}
		}
	}
	acc, n := m.ClassAcc()
	if acc[0] != 1 || acc[1] != 0 || n[1] != 2 || n[4] != 0 || acc[4] != 0 {
		t.Errorf("per-class accuracy %v over %v", acc, n)
	}
	// float32 gives the same counts; fewer than 5 classes: top-5 is all.
	m3 := NewMetrics(0)
	if err := m3.Add([]float32{1, 2, 3, 3, 2, 1}, 3, []int{0, 0}); err != nil {
		t.Fatal(err)
	}
	if m3.Top1 != 1 || m3.Top5 != 2 || m3.Confusion != nil {
		t.Errorf("3 classes: top1 %d top5 %d confusion %v", m3.Top1, m3.Top5, m3.Confusion)
	}
	for _, tc := range []struct {
		m      *Metrics
		labels []int
		want   string
	}{
		{NewMetrics(7), []int{7}, "label 7"},
		{NewMetrics(7), []int{-1}, "label -1"},
		{NewMetrics(3), []int{0}, "confusion matrix has 3"},
	} {
		if err := tc.m.Add(logits, 7, tc.labels); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("labels %v: error %v, want %q", tc.labels, err, tc.want)
		}
	}
}

// TestEvaluateMetrics: the confusion matrix of an evaluation sums to the
// set's size, its diagonal is the top-1 hits, and Evaluate agrees.
func TestEvaluateMetrics(t *testing.T) {
	tr := newTrainer(t, Config{Epochs: 1, BatchSize: 16, MaxSteps: 3, EvalBatch: 32, Seed: 2})
	set := patterns(50, 3) // two batches, the second padded
	if _, err := tr.Fit(patterns(64, 1), nil); err != nil {
		t.Fatal(err)
	}
	m, err := tr.EvaluateMetrics(set)
	if err != nil {
		t.Fatal(err)
	}
	total, diag := 0, 0
	for i, row := range m.Confusion {
		for j, v := range row {
			total += v
			if i == j {
				diag += v
			}
		}
	}
	if total != 50 || m.Count != 50 || diag != m.Top1 || m.Top5 != 50 {
		t.Errorf("confusion total %d, count %d, diagonal %d vs top-1 %d, top-5 %d (4 classes: want 50)", total, m.Count, diag, m.Top1, m.Top5)
	}
	loss, acc, err := tr.Evaluate(set)
	if err != nil || loss != m.Loss() || acc != m.Acc() {
		t.Errorf("Evaluate %v %v %v, metrics %v %v", loss, acc, err, m.Loss(), m.Acc())
	}
}

// TestLabelSmoothingReachesTheLoss: the smoothed loss is affine in eps,
// L(eps) = L(0) + eps·(U − L(0)), so over the same weights
// L(0.6) − L(0) = 3·(L(0.2) − L(0)). Training with smoothing changes the
// weights' path; bad values are refused.
func TestLabelSmoothingReachesTheLoss(t *testing.T) {
	ps := graph.NewParams()
	set := patterns(40, 4)
	loss := func(eps float64) float64 {
		tr, err := New(tiny, ps, Config{LabelSmoothing: eps, Seed: 1, Input: []int{1, 8, 8}})
		if err != nil {
			t.Fatal(err)
		}
		l, _, err := tr.Evaluate(set)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	l0, l2, l6 := loss(0), loss(0.2), loss(0.6)
	if l2 == l0 || math.Abs((l6-l0)-3*(l2-l0)) > 1e-5*math.Abs(l6-l0) {
		t.Errorf("L(0) %v, L(0.2) %v, L(0.6) %v: not affine in eps", l0, l2, l6)
	}
	for _, eps := range []float64{-0.1, 1, math.NaN()} {
		if _, err := New(tiny, graph.NewParams(), Config{LabelSmoothing: eps}); err == nil || !strings.Contains(err.Error(), "LabelSmoothing") {
			t.Errorf("LabelSmoothing %v: error %v", eps, err)
		}
	}
}

// TestStepLabelSmoothing: the compiled training step's loss is the
// smoothed one (affine in eps over the same weights, batch and dropout
// masks), and its Top5 counts the batch.
func TestStepLabelSmoothing(t *testing.T) {
	set := patterns(16, 6)
	b := &data.Batch{X: make([]float32, 16*64), Labels: make([]int, 16), N: 16}
	for i := range 16 {
		for j := range 64 {
			b.X[i*64+j] = float32(set.Images[i*64+j]) / 255
		}
		b.Labels[i] = int(set.Labels[i])
	}
	loss := func(eps float64) StepResult {
		s, err := CompileStep(tiny, graph.NewParams(), StepConfig{Batch: 16, Input: []int{1, 8, 8}, Seed: 3, LabelSmoothing: eps})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		r, err := s.Run(b)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r0, r2, r6 := loss(0), loss(0.2), loss(0.6)
	l0, l2, l6 := r0.Loss, r2.Loss, r6.Loss
	if l2 == l0 || math.Abs((l6-l0)-3*(l2-l0)) > 1e-5*math.Abs(l6-l0) {
		t.Errorf("step losses L(0) %v, L(0.2) %v, L(0.6) %v: not affine in eps", l0, l2, l6)
	}
	if r0.Top5 != 16 || r0.Correct > r0.Top5 { // 4 classes: every label is in the top 5
		t.Errorf("Top5 %d, Correct %d of 16", r0.Top5, r0.Correct)
	}
	if _, err := CompileStep(tiny, graph.NewParams(), StepConfig{Input: []int{1, 8, 8}, LabelSmoothing: 1}); err == nil ||
		!strings.Contains(err.Error(), "LabelSmoothing") {
		t.Errorf("LabelSmoothing 1: %v", err)
	}
}
