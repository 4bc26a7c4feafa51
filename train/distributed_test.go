package train_test

import (
	"gorgonia.org/tensor"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/data/mnist"
	"github.com/convzoo/convzoo/dist"
	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/train"
	"github.com/convzoo/convzoo/zoo"
)

// fitRanks runs Fit on n ranks of an in-process group, rank r with
// cfgs(r), and returns every rank's Params, stats and error.
func fitRanks(t *testing.T, n int, model string, cfg func(r int) train.Config, trainSet, testSet func(r int) data.Dataset) ([]*graph.Params, [][]train.EpochStats, []error) {
	t.Helper()
	spec, err := zoo.Get(model)
	if err != nil {
		t.Fatal(err)
	}
	comms, err := dist.NewLocal(n)
	if err != nil {
		t.Fatal(err)
	}
	ps := make([]*graph.Params, n)
	stats := make([][]train.EpochStats, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps[r] = graph.NewParams()
			c := cfg(r)
			if n > 1 {
				c.Dist = comms[r]
			}
			tr, err := train.New(spec.New(zoo.Config{}), ps[r], c)
			if err != nil {
				errs[r] = err
				comms[r].Abort(1)
				return
			}
			stats[r], errs[r] = tr.Fit(trainSet(r), testSet(r))
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		t.Fatal("the ranks hang")
	}
	return ps, stats, errs
}

// maxRelDiff is the largest, over the tensors, of max|a−b| / max|a|.
func maxRelDiff(t *testing.T, a, b *graph.Params) (float64, string) {
	t.Helper()
	worst, at := 0.0, ""
	for _, p := range a.All() {
		q, ok := b.Get(p.Name)
		if !ok {
			t.Fatalf("no %q", p.Name)
		}
		x, y := f64s(p.Value.Data()), f64s(q.Value.Data())
		var diff, scale float64
		for i := range x {
			diff = max(diff, math.Abs(x[i]-y[i]))
			scale = max(scale, math.Abs(x[i]))
		}
		if d := diff / max(scale, 1e-30); d > worst {
			worst, at = d, p.Name
		}
	}
	return worst, at
}

func f64s(v any) []float64 {
	switch d := v.(type) {
	case []float64:
		return d
	case []float32:
		r := make([]float64, len(d))
		for i, x := range d {
			r[i] = float64(x)
		}
		return r
	}
	return nil
}

// TestDataParallelEqualsOneLargeBatch is the synchronous-equivalence
// check of data parallelism: LeNet-5 on an MNIST subset, 2 ranks × batch
// 32 against 1 rank × batch 64, same seed (LeNet has no batch norm and no
// dropout). The ranks' batches together are the single run's batches
// (data.Shard) and the averaged gradient is its gradient up to the order
// of the float sums, so in float64 the weights agree to 1e-12; in float32
// with SGD (lr 0.01, momentum 0.9) to 1e-5 of each tensor's largest weight
// (measured: 4.9e-7 after 200 steps). Adam divides every gradient by its running RMS, which
// magnifies the rounding of near-zero gradients (float32, measured: 7e-6
// after 20 steps, 7e-3 after 100), so for Adam in float32 only the test
// accuracy must agree (to 0.1%).
func TestDataParallelEqualsOneLargeBatch(t *testing.T) {
	tr, err := mnist.Train()
	if err != nil {
		t.Fatal(err)
	}
	te, err := mnist.Test()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		dt     tensor.Dtype
		adam   bool
		steps  int     // -short: a fifth
		tol    float64 // relative weight difference; 0: not checked
		minAcc float64 // test accuracy the single run must reach
	}{
		{"float32-sgd", tensor.Float32, false, 150, 1e-5, 0},
		{"float64-adam", tensor.Float64, true, 30, 1e-12, 0},
		{"float32-adam", tensor.Float32, true, 150, 0, 0.6},
	} {
		t.Run(c.name, func(t *testing.T) {
			steps := c.steps
			if testing.Short() {
				steps /= 5
			}
			trainSet, testSet := tr.Subset(64*steps), te.Subset(1000)
			cfg := func(batch int) func(int) train.Config {
				return func(int) train.Config {
					var opt train.Optimizer = &train.SGD{Momentum: 0.9} // one a rank: optimizers keep state
					// At lr 0.05 float32 rounding grows chaotically (2e-2 after 50
					// steps, while float64 stays at 1e-14).
					lr := 0.01
					if c.adam {
						opt, lr = &train.Adam{}, 1e-3
					}
					return train.Config{BatchSize: batch, EvalBatch: 250, LR: lr, Seed: 5, Optimizer: opt, Dtype: c.dt,
						Mean: []float32{0.1307}, Std: []float32{0.3081}}
				}
			}
			sets := func(int) data.Dataset { return trainSet }
			tests := func(int) data.Dataset { return testSet }
			one, s1, errs := fitRanks(t, 1, "lenet", cfg(64), sets, tests)
			if errs[0] != nil {
				t.Fatal(errs[0])
			}
			two, s2, errs := fitRanks(t, 2, "lenet", cfg(32), sets, tests)
			for r, err := range errs {
				if err != nil {
					t.Fatalf("rank %d: %v", r, err)
				}
			}
			if d, at := maxRelDiff(t, two[0], two[1]); d != 0 {
				t.Errorf("the two ranks' weights differ: %g at %s", d, at)
			}
			d, at := maxRelDiff(t, one[0], two[0])
			e1, e2 := s1[0][0], s2[0][0]
			t.Logf("%d steps: 1×64 vs 2×32 max relative weight difference %.2g (%s); test acc %.4f vs %.4f, train loss %.6f vs %.6f",
				steps, d, at, e1.TestAcc, e2.TestAcc, e1.TrainLoss, e2.TrainLoss)
			if c.tol > 0 && d > c.tol {
				t.Errorf("1×64 and 2×32 weights differ by %g relative (%s), want <= %g", d, at, c.tol)
			}
			if math.Abs(e1.TestAcc-e2.TestAcc) > 1e-3 {
				t.Errorf("test accuracy 1×64 %.4f, 2×32 %.4f", e1.TestAcc, e2.TestAcc)
			}
			if e3 := s2[1][0]; e2.TrainLoss != e3.TrainLoss || e2.TrainAcc != e3.TrainAcc || e2.TestLoss != e3.TestLoss || e2.TestAcc != e3.TestAcc {
				t.Errorf("the ranks' epoch stats differ: %+v and %+v", e2, e3)
			}
			if e1.TestAcc < c.minAcc {
				t.Errorf("LeNet reached only %.4f after %d steps", e1.TestAcc, steps)
			}
		})
	}
}

// TestDataParallelRankErrorAborts: one rank failing before its first
// collective ends every rank with an error naming it, instead of a hang.
func TestDataParallelRankErrorAborts(t *testing.T) {
	good, err := mnist.Test()
	if err != nil {
		t.Fatal(err)
	}
	good = good.Subset(128)
	bad := &data.Set{Name: "rgb", C: 3, H: 28, W: 28, Classes: 10, Images: make([]uint8, 4*3*28*28), Labels: make([]uint8, 4)}
	_, _, errs := fitRanks(t, 2, "lenet",
		func(int) train.Config { return train.Config{BatchSize: 16, Seed: 1, Input: []int{1, 28, 28}} },
		func(int) data.Dataset { return good },
		func(r int) data.Dataset {
			if r == 1 {
				return bad
			}
			return good
		})
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "rank 1 of 2") || !strings.Contains(errs[1].Error(), "3x28x28") {
		t.Errorf("rank 1: %v, want its rank and the bad test set", errs[1])
	}
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "rank 1 aborted") {
		t.Errorf("rank 0: %v, want rank 1's abort", errs[0])
	}
}
