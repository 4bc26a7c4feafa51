package dist

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// runRanks runs f on every rank of a new local group and returns each
// rank's error, failing the test if the ranks do not finish in 10 s.
func runRanks(t *testing.T, n int, f func(c Comm) error) []error {
	t.Helper()
	cs, err := NewLocal(n)
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r, c := range cs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[r] = f(c) }()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ranks hang")
	}
	return errs
}

func noErrors(t *testing.T, errs []error) {
	t.Helper()
	for r, err := range errs {
		if err != nil {
			t.Errorf("rank %d: %v", r, err)
		}
	}
}

func TestLocalAllreduceSumsInRankOrder(t *testing.T) {
	// In float32 (1e8 - 1e8) + 1 is 1, but 1e8 + (-1e8 + 1) is 0.
	in := [][]float32{{1e8, 1, 2}, {-1e8, 2, 3}, {1, 3, 4}}
	got := make([][]float32, 3)
	got64 := make([][]float64, 3)
	noErrors(t, runRanks(t, 3, func(c Comm) error {
		b := append([]float32(nil), in[c.Rank()]...)
		b64 := []float64{float64(c.Rank()), 0.5}
		if err := AllreduceSum(c, b); err != nil {
			return err
		}
		got[c.Rank()] = b
		got64[c.Rank()] = b64
		return AllreduceMean(c, b64)
	}))
	for r := range 3 {
		if got[r][0] != 1 || got[r][1] != 6 || got[r][2] != 9 {
			t.Errorf("rank %d: sum %v, want [1 6 9]", r, got[r])
		}
		if got64[r][0] != 1 || got64[r][1] != 0.5 {
			t.Errorf("rank %d: mean %v, want [1 0.5]", r, got64[r])
		}
	}
}

func TestLocalBcastAndBarrier(t *testing.T) {
	got := make([][]float64, 4)
	noErrors(t, runRanks(t, 4, func(c Comm) error {
		b := []float64{float64(c.Rank()), float64(10 * c.Rank())}
		if err := c.Barrier(); err != nil {
			return err
		}
		if err := Bcast(c, b, 2); err != nil {
			return err
		}
		got[c.Rank()] = b
		return c.Barrier()
	}))
	for r, b := range got {
		if b[0] != 2 || b[1] != 20 {
			t.Errorf("rank %d: %v after Bcast from 2, want [2 20]", r, b)
		}
	}
	cs, _ := NewLocal(2)
	if err := Bcast(cs[0], []float32{1}, 2); err == nil || !strings.Contains(err.Error(), "root 2") {
		t.Errorf("Bcast from root 2 of 2 ranks: %v", err)
	}
	if _, err := NewLocal(0); err == nil {
		t.Error("NewLocal(0) succeeded")
	}
}

func TestLocalMismatchIsAnErrorOnEveryRank(t *testing.T) {
	errs := runRanks(t, 2, func(c Comm) error {
		return c.AllreduceFloat32(make([]float32, 3+c.Rank()))
	})
	for r, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "collective mismatch") {
			t.Errorf("rank %d: %v, want a mismatch error", r, err)
		}
	}
	// The group is usable after a mismatch.
	noErrors(t, runRanks(t, 2, func(c Comm) error { return c.Barrier() }))
}

func TestLocalAbortWakesWaitingRanks(t *testing.T) {
	errs := runRanks(t, 3, func(c Comm) error {
		if c.Rank() == 1 {
			c.Abort(3)
			return nil
		}
		if err := c.AllreduceFloat64(make([]float64, 5)); err != nil {
			return err
		}
		return c.Barrier()
	})
	for _, r := range []int{0, 2} {
		if errs[r] == nil || !strings.Contains(errs[r].Error(), "rank 1 aborted the job with code 3") {
			t.Errorf("rank %d: %v, want the abort of rank 1", r, errs[r])
		}
	}
}
