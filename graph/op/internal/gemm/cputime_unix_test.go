//go:build unix

package gemm

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used, all threads: on a
// shared machine, a steadier measure of a kernel's work than wall time
// (as graph/op's benchmarks measure it).
func cpuTime() time.Duration {
	var r syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &r) != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}
