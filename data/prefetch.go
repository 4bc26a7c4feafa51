package data

import (
	"math/rand"
	"sync"
	"sync/atomic"
)

// pipeline is one epoch's prefetch: Workers goroutines take batch indices in increasing
// order from counter and build each batch into a buffer from Loader.free, then put it in
// results[b], which Next reads in order.
//
// A worker takes a free buffer before it takes a batch index, so the worker holding the
// index Next waits for always has a buffer and finishes: buffers parked in results for
// later batches cannot starve it. results[b] has capacity 1 and receives exactly once,
// so a worker never blocks on it.
type pipeline struct {
	counter atomic.Int64
	results []chan *Batch
	stop    chan struct{}
	wg      sync.WaitGroup
}

// nextPrefetched returns batch b from the pipeline, starting it if needed and handing
// the batch returned by the previous call back to the free pool.
func (l *Loader) nextPrefetched(b int) *Batch {
	if l.free == nil {
		nbuf := 2*l.cfg.Workers + 2
		l.free = make(chan *Batch, nbuf)
		for range nbuf {
			l.free <- l.newBatch()
		}
	}
	if l.held != nil {
		l.free <- l.held
		l.held = nil
	}
	if l.pipe == nil {
		l.startPipeline(b)
	}
	batch := <-l.pipe.results[b]
	l.held = batch
	return batch
}

// startPipeline starts the workers at batch first of the current epoch.
func (l *Loader) startPipeline(first int) {
	p := &pipeline{results: make([]chan *Batch, l.nb), stop: make(chan struct{})}
	for i := range p.results {
		p.results[i] = make(chan *Batch, 1)
	}
	p.counter.Store(int64(first))
	for range l.cfg.Workers {
		p.wg.Add(1)
		go l.work(p)
	}
	l.pipe = p
}

func (l *Loader) work(p *pipeline) {
	defer p.wg.Done()
	rng := rand.New(rand.NewSource(0))
	for {
		var buf *Batch
		select {
		case buf = <-l.free:
		case <-p.stop:
			return
		}
		b := int(p.counter.Add(1) - 1)
		if b >= l.nb {
			l.free <- buf
			return
		}
		l.build(b, buf, rng)
		p.results[b] <- buf
	}
}

// stop ends the running pipeline, if any, and returns its unread batches to the free
// pool. The batch held by the caller of Next stays held until the next Next.
func (l *Loader) stop() {
	p := l.pipe
	if p == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
	for _, r := range p.results {
		select {
		case buf := <-r:
			l.free <- buf
		default:
		}
	}
	l.pipe = nil
}
