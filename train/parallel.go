package train

import (
	"runtime"
	"sync"
)

// parallelMin is the fewest elements an optimizer hands to another
// goroutine: below it, starting one costs more than it saves.
var parallelMin = 1 << 15

// parallel runs f over [0, n) split into contiguous ranges, one per core
// (each at least parallelMin long), the calling goroutine taking the
// first, and returns when all are done. An update element by element
// gives the same bits however it is split.
func parallel(n int, f func(lo, hi int)) {
	w := min(runtime.GOMAXPROCS(0), n/max(1, parallelMin))
	if w <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	wg.Add(w - 1)
	for i := 1; i < w; i++ {
		go func(lo, hi int) {
			defer wg.Done()
			f(lo, hi)
		}(i*n/w, (i+1)*n/w)
	}
	f(0, n/w)
	wg.Wait()
}
