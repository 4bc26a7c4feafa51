//go:build !unix

package gemm

import "time"

// cpuTime is 0 where there is no getrusage: benchmarks report no CPU time.
func cpuTime() time.Duration { return 0 }
