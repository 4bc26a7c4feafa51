package op

import (
	"time"

	"github.com/convzoo/convzoo/internal/cputime"
)

// cpuTime is the process's CPU time, which benchmarks report beside wall
// time (cputime.Process).
func cpuTime() time.Duration { return cputime.Process() }
