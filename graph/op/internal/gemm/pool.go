package gemm

import (
	"runtime"
	"sync"
)

// RangeJob is work over items [lo, hi) done by one worker; worker indexes
// the job's scratch, so two workers never share a buffer.
type RangeJob interface{ RunRange(worker, lo, hi int) }

type task struct {
	j              RangeJob
	worker, lo, hi int
	wg             *sync.WaitGroup
}

// workerPool is a fixed set of goroutines for the whole process: sending a
// task allocates nothing, unlike starting a goroutine per call.
var workerPool struct {
	once sync.Once
	ch   chan task
}

func startPool() {
	workerPool.ch = make(chan task, 64)
	for range max(1, runtime.GOMAXPROCS(0)-1) {
		go func() {
			for t := range workerPool.ch {
				t.j.RunRange(t.worker, t.lo, t.hi)
				t.wg.Done()
			}
		}()
	}
}

// Workers returns how many workers ParallelFor uses for n items.
func Workers(n int) int { return max(1, min(MaxWorkers, n)) }

// ParallelFor splits [0, n) into Workers(n) contiguous ranges and runs
// j over them, the calling goroutine taking the first; it returns when
// all are done. wg belongs to the caller (a kernel field, so that no
// call allocates).
func ParallelFor(j RangeJob, n int, wg *sync.WaitGroup) {
	w := Workers(n)
	if w == 1 {
		j.RunRange(0, 0, n)
		return
	}
	workerPool.once.Do(startPool)
	wg.Add(w - 1)
	for i := 1; i < w; i++ {
		workerPool.ch <- task{j: j, worker: i, lo: i * n / w, hi: (i + 1) * n / w, wg: wg}
	}
	j.RunRange(0, 0, n/w)
	wg.Wait()
}
