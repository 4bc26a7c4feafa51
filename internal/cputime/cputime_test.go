package cputime

import (
	"runtime"
	"testing"
	"time"
)

// TestProcess: the CPU time grows while the process computes.
func TestProcess(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no getrusage")
	}
	t0 := Process()
	x := 1.0
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
		x = x*1.0000001 + 1e-9
	}
	if d := Process() - t0; d <= 0 {
		t.Errorf("CPU time grew by %v over 50 ms of computing (%g)", d, x)
	}
}
