//go:build !unix

// Package cputime reads the CPU time of the process, which benchmarks
// report beside wall time: on a machine shared with other jobs, a
// steadier measure of a kernel's work.
package cputime

import "time"

// Process is 0 where there is no getrusage: benchmarks report no CPU
// time.
func Process() time.Duration { return 0 }
