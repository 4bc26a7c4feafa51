//go:build unix

// Package cputime reads the CPU time of the process, which benchmarks
// report beside wall time: on a machine shared with other jobs, a
// steadier measure of a kernel's work.
package cputime

import (
	"syscall"
	"time"
)

// Process returns the CPU time the process has used, all threads, user
// and system; 0 where it cannot be read.
func Process() time.Duration {
	var r syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &r) != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}
