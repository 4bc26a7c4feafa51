package op

import (
	"sync"

	"gorgonia.org/tensor"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"
)

// splitWork is the least number of elements a kernel call touches for
// split to spread it over the worker pool: below it, handing a range to
// another goroutine costs more than it saves.
var splitWork = 1 << 15

// split runs j over the items [0, n) (channels, elements), over the
// worker pool when the call touches at least splitWork elements, else on
// the calling goroutine. wg belongs to the caller (a kernel field, so
// that no call allocates). j must touch only its own range's outputs.
func split(j gemm.RangeJob, n, work int, wg *sync.WaitGroup) {
	if work < splitWork {
		j.RunRange(0, 0, n)
		return
	}
	gemm.ParallelFor(j, n, wg)
}

// splitFloat runs j as split does once t is float32 or float64 (an error
// naming the dtype otherwise): for kernels whose RunRange picks the
// element type itself.
func splitFloat(t *tensor.Dense, j gemm.RangeJob, n, work int, wg *sync.WaitGroup) error {
	run := func() error { split(j, n, work, wg); return nil }
	return dispatch(t, run, run)
}
