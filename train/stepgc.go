package train

import (
	"math"
	"runtime"
	"runtime/metrics"
)

// garbageBound is how many bytes the process may allocate between two
// garbage collections that a Step forces. A training step keeps hundreds
// of MB live (the buffer plan's slab, kept columns, moments) and makes a
// few MB of garbage (Gorgonia's own ops: Concat, slices, sums), so with
// the default GOGC the next collection waits until the garbage equals the
// live heap, and peak RSS grows by up to that much over the first tens of
// steps (ResNet-20 at batch 64: 9.5 MB a step, 288 MB live: +180 MB after
// 20 steps). A forced collection costs a few ms there (the slabs hold no
// pointers, so marking is cheap): once every few steps, under 1% of a step.
//
// The pacer stands in for the runtime's defaults only: where the process
// set GOGC (environment or debug.SetGCPercent) to anything but 100, or
// a memory limit (GOMEMLIMIT, debug.SetMemoryLimit), it forces nothing.
const garbageBound = 32 << 20

// gcPacer forces a collection after a step once the process has allocated
// garbageBound bytes since the last one it forced.
type gcPacer struct {
	last   uint64
	sample [3]metrics.Sample
}

func (p *gcPacer) afterStep() {
	if p.sample[0].Name == "" {
		p.sample[0].Name = "/gc/heap/allocs:bytes"
		p.sample[1].Name = "/gc/gogc:percent"
		p.sample[2].Name = "/gc/gomemlimit:bytes"
	}
	metrics.Read(p.sample[:])
	for _, s := range p.sample {
		if s.Value.Kind() != metrics.KindUint64 {
			return
		}
	}
	if p.sample[1].Value.Uint64() != 100 || p.sample[2].Value.Uint64() != math.MaxInt64 {
		return // the process tuned its collector: leave it be
	}
	a := p.sample[0].Value.Uint64()
	if p.last == 0 {
		p.last = a // the first step: count from here
		return
	}
	if a-p.last < garbageBound {
		return
	}
	runtime.GC()
	metrics.Read(p.sample[:1])
	p.last = p.sample[0].Value.Uint64()
}
