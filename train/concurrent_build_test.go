package train_test

import (
	"sync"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/train"
	"github.com/convzoo/convzoo/zoo"
)

// TestCompileStepConcurrently: two training steps compiled at the same
// time (the ranks of an in-process Comm do that) raced on Gorgonia's
// shared constant 1 inside G.Grad; `go test -race` (CI) reported it in
// the data-parallel tests about one run in four. Run under -race.
func TestCompileStepConcurrently(t *testing.T) {
	spec, err := zoo.Get("lenet")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = train.CompileStep(spec.New(zoo.Config{}), graph.NewParams(), train.StepConfig{Batch: 2, Input: []int{1, 28, 28}, Seed: 1})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("step %d: %v", i, err)
		}
	}
}
