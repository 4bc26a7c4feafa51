package train_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/convzoo/convzoo/data/mnist"
	"github.com/convzoo/convzoo/dist"
	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/train"
	"github.com/convzoo/convzoo/zoo"
)

// TestDataParallelResumeMidEpochKeepsTrainStats: a 2-rank run whose state
// rank 0 saved in the middle of an epoch resumes to the epoch statistics
// of the uninterrupted run. The epoch's running training sums in the state
// were rank 0's own, and every resumed rank started from them, so rank 0's
// first steps were counted twice and rank 1's lost (zoo train --resume of
// an mpirun job wrote another train_loss and train_acc to history.csv).
func TestDataParallelResumeMidEpochKeepsTrainStats(t *testing.T) {
	full, err := mnist.Train()
	if err != nil {
		t.Fatal(err)
	}
	set := full.Subset(32 * 2 * 8) // 8 steps of 2 ranks × 32
	state := filepath.Join(t.TempDir(), "state.safetensors")
	run := func(resume bool) [][]train.EpochStats {
		comms, err := dist.NewLocal(2)
		if err != nil {
			t.Fatal(err)
		}
		spec, _ := zoo.Get("lenet")
		stats, errs := make([][]train.EpochStats, 2), make([]error, 2)
		var wg sync.WaitGroup
		for r := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tr, err := train.New(spec.New(zoo.Config{}), graph.NewParams(), train.Config{BatchSize: 32, Seed: 4,
					Optimizer: &train.SGD{Momentum: 0.9}, LR: 0.01, Dist: comms[r], Input: []int{1, 28, 28}})
				if err == nil && resume {
					_, err = tr.ResumeFrom(state)
				}
				if err == nil && !resume && r == 0 {
					err = tr.AddHooks(train.HookFuncs{Step: func(s *train.State) error {
						if s.Step == 3 {
							return tr.SaveState(state, nil)
						}
						return nil
					}})
				}
				if err != nil {
					errs[r] = err
					comms[r].Abort(1)
					return
				}
				stats[r], errs[r] = tr.Fit(set, nil)
			}()
		}
		wg.Wait()
		for r, err := range errs {
			if err != nil {
				t.Fatalf("rank %d (resume %v): %v", r, resume, err)
			}
		}
		return stats
	}
	once := run(false)
	again := run(true)
	for r := range 2 {
		a, b := once[r][0], again[r][0]
		if a.TrainLoss != b.TrainLoss || a.TrainAcc != b.TrainAcc || a.TrainTop5 != b.TrainTop5 {
			t.Errorf("rank %d: uninterrupted train loss %.7f acc %.6f top-5 %.6f, resumed at step 3 %.7f %.6f %.6f",
				r, a.TrainLoss, a.TrainAcc, a.TrainTop5, b.TrainLoss, b.TrainAcc, b.TrainTop5)
		}
	}
}
