package train

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

var gcSink []byte

// TestGCPacer: with the runtime's defaults, a step after garbageBound
// bytes of allocation forces a collection; where the process tuned its
// collector (GOGC off or not 100, a memory limit), it forces none.
func TestGCPacer(t *testing.T) {
	forced := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	run := func() uint64 {
		var p gcPacer
		p.afterStep()
		before := forced()
		for range 3 {
			gcSink = make([]byte, garbageBound/2+1)
			p.afterStep()
		}
		gcSink = nil
		return forced() - before
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	if n := run(); n == 0 {
		t.Errorf("runtime defaults: %d collections forced after %d MB of allocation, want >= 1", n, 3*garbageBound/2>>20)
	}
	for _, c := range []struct {
		name string
		set  func() func()
	}{
		{"GOGC=off", func() func() { old := debug.SetGCPercent(-1); return func() { debug.SetGCPercent(old) } }},
		{"GOGC=400", func() func() { old := debug.SetGCPercent(400); return func() { debug.SetGCPercent(old) } }},
		{"GOMEMLIMIT", func() func() { old := debug.SetMemoryLimit(8 << 30); return func() { debug.SetMemoryLimit(old) } }},
	} {
		restore := c.set()
		n := run()
		restore()
		if n != 0 {
			t.Errorf("%s: %d collections forced, want none", c.name, n)
		}
	}
}
