package train

import (
	"strings"
	"testing"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

func firstBatch(t *testing.T, ds data.Dataset, n int) *data.Batch {
	t.Helper()
	ld, err := data.NewLoader(ds, data.LoaderConfig{BatchSize: n})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ld.Next()
	return b
}

// TestStepReduceGrads checks the step's order: ReduceGrads sees every
// trainable parameter with its gradient before the update, and plain SGD
// then moves each weight by −lr·(the reduced gradient).
func TestStepReduceGrads(t *testing.T) {
	ps := graph.NewParams()
	var seen []string
	var before, grads [][]float64
	const lr = 0.25
	s, err := CompileStep(tiny, ps, StepConfig{Batch: 16, Input: []int{1, 8, 8}, Dtype: tensor.Float64, LR: lr, Optimizer: &SGD{}, Seed: 1,
		ReduceGrads: func(params []*graph.Param, gs []*tensor.Dense) error {
			for i, p := range params {
				seen = append(seen, p.Name)
				before = append(before, getData(p.Value.Clone().(*tensor.Dense)))
				g := gs[i].Data().([]float64)
				for j := range g {
					g[j] *= 2 // the update must use the reduced gradient
				}
				grads = append(grads, append([]float64(nil), g...))
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Run(firstBatch(t, patterns(16, 1), 16))
	if err != nil || !r.Updated || r.N != 16 || r.LR != lr || !(r.Loss > 0) {
		t.Fatalf("Run: %+v, %v", r, err)
	}
	if want := "conv.weight conv.bias bn.weight bn.bias fc.weight fc.bias"; strings.Join(seen, " ") != want {
		t.Errorf("ReduceGrads saw %v, want %s", seen, want)
	}
	for i, p := range s.Params() {
		after := getData(p.Value.Clone().(*tensor.Dense))
		for j := range after {
			if want := before[i][j] - lr*grads[i][j]; after[j] != want {
				t.Fatalf("%s[%d] = %v after the step, want %v", p.Name, j, after[j], want)
			}
		}
	}
	if s.Context.Step != 1 {
		t.Errorf("Context.Step %d after one Run, want 1", s.Context.Step)
	}

	// An error from the hook ends the step without an update.
	w := values(t, ps, "fc.weight")
	s2, err := CompileStep(tiny, ps, StepConfig{Batch: 16, Input: []int{1, 8, 8}, Dtype: tensor.Float64, Optimizer: &SGD{},
		ReduceGrads: func([]*graph.Param, []*tensor.Dense) error { return errors.New("rank 3 is gone") }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Run(firstBatch(t, patterns(16, 1), 16)); err == nil || !strings.Contains(err.Error(), "rank 3 is gone") {
		t.Errorf("hook error: %v", err)
	}
	if !equal(values(t, ps, "fc.weight"), w) {
		t.Error("the weights changed although ReduceGrads failed")
	}
}

// TestStepMasks checks that the dropout masks depend on the step's position
// only: two steps over equal weights at the same Context give the same
// update, at another Context another one.
func TestStepMasks(t *testing.T) {
	b := firstBatch(t, patterns(16, 1), 16)
	run := func(epoch, step int) []float64 {
		s, err := CompileStep(tiny, graph.NewParams(), StepConfig{Batch: 16, Input: []int{1, 8, 8}, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		s.Context = ScheduleContext{Epoch: epoch, Step: step, StepsPerEpoch: 10}
		if _, err := s.Run(b); err != nil {
			t.Fatal(err)
		}
		return values(t, s.n.b.Params(), "fc.weight")
	}
	a, a2, c := run(2, 3), run(2, 3), run(3, 2)
	if !equal(a, a2) {
		t.Error("the same step position gave two updates")
	}
	if equal(a, c) {
		t.Error("two step positions gave the same update (same dropout masks)")
	}
	if _, err := CompileStep(tiny, graph.NewParams(), StepConfig{Input: []int{1, 8}}); err == nil {
		t.Error("Input of 2 dims accepted")
	}
}
