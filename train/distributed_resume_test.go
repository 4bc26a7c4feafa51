package train_test

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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
// Rank 0 alone reads the state; rank 1's path does not exist.
func TestDataParallelResumeMidEpochKeepsTrainStats(t *testing.T) {
	full, err := mnist.Train()
	if err != nil {
		t.Fatal(err)
	}
	set := full.Subset(32 * 2 * 8) // 8 steps of 2 ranks × 32
	state := filepath.Join(t.TempDir(), "state.safetensors")
	// Rank 1 is given a path that does not exist on "its host": rank 0
	// alone reads the state and broadcasts it.
	elsewhere := filepath.Join(t.TempDir(), "not-on-rank-1s-disk.safetensors")
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
					path := state
					if r == 1 {
						path = elsewhere
					}
					_, err = tr.ResumeFrom(path)
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

// TestDataParallelEvaluateErrorAborts: Evaluate called on its own (not in
// Fit) on every rank, rank 1 with a set the model cannot take: rank 0 was
// left waiting in the metrics' Allreduce forever; the job is aborted with
// rank 1's error.
func TestDataParallelEvaluateErrorAborts(t *testing.T) {
	good, err := mnist.Test()
	if err != nil {
		t.Fatal(err)
	}
	good = good.Subset(64)
	bad := good.Subset(64)
	bad.C = 3
	bad.Images = make([]uint8, 64*3*28*28)
	comms, err := dist.NewLocal(2)
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := zoo.Get("lenet")
	errs := make([]error, 2)
	done := make(chan int, 2)
	for r := range 2 {
		go func() {
			defer func() { done <- r }()
			tr, err := train.New(spec.New(zoo.Config{}), graph.NewParams(), train.Config{BatchSize: 16, Seed: 1, Dist: comms[r], Input: []int{1, 28, 28}})
			if err != nil {
				errs[r] = err
				return
			}
			set := good
			if r == 1 {
				set = bad
			}
			_, _, errs[r] = tr.Evaluate(set)
		}()
	}
	for range 2 {
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			t.Fatal("a rank hangs in Evaluate")
		}
	}
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "rank 1 of 2") || !strings.Contains(errs[1].Error(), "3x28x28") {
		t.Errorf("rank 1: %v, want its rank and the bad set", errs[1])
	}
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "rank 1 aborted") {
		t.Errorf("rank 0: %v, want rank 1's abort", errs[0])
	}
}
