package op

import (
	"math"
	"math/rand"
	"testing"
)

// TestBNSums: the unrolled reductions equal one running sum (within
// float64 rounding) for every length from 0 to 11, the unrolled body and
// its tail.
func TestBNSums(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
	for n := range 12 {
		x, dy := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], dy[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		mean := 0.3
		var s, sq, sd, sdx float64
		for i, v := range x {
			s += float64(v)
			d := float64(v) - mean
			sq += d * d
			sd += float64(dy[i])
			sdx += float64(dy[i]) * d
		}
		gsd, gsdx := sumDyDev(x, dy, mean)
		if got := sum64(x); !near(got, s) {
			t.Errorf("n %d: sum64 %g, want %g", n, got, s)
		}
		if got := sumSqDev(x, mean); !near(got, sq) {
			t.Errorf("n %d: sumSqDev %g, want %g", n, got, sq)
		}
		if !near(gsd, sd) || !near(gsdx, sdx) {
			t.Errorf("n %d: sumDyDev %g, %g, want %g, %g", n, gsd, gsdx, sd, sdx)
		}
	}
}
