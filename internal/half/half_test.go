package half

import (
	"math"
	"math/rand"
	"sort"
	"testing"
)

// Every binary16 and bfloat16 value widens and narrows back to itself.
func TestRoundTripEveryValue(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := F16ToF32(h)
		if math.IsNaN(float64(f)) {
			if h&0x7c00 != 0x7c00 || h&0x3ff == 0 || !math.IsNaN(float64(F16ToF32(F32ToF16(f)))) {
				t.Fatalf("F16 %#04x: NaN handling", h)
			}
			continue
		}
		if got := F32ToF16(f); got != h {
			t.Fatalf("F16 %#04x -> %g -> %#04x", h, f, got)
		}
		b := BF16ToF32(h)
		if math.IsNaN(float64(b)) {
			continue
		}
		if got := F32ToBF16(b); got != h {
			t.Fatalf("BF16 %#04x -> %g -> %#04x", h, b, got)
		}
	}
	if F16ToF32(0x3c00) != 1 || F16ToF32(0x0001) != float32(math.Ldexp(1, -24)) || F16ToF32(0xfbff) != -65504 {
		t.Fatal("F16 reference values")
	}
}

// nearest returns the index of the value in sorted vals nearest to x,
// ties to the even index (even bit patterns in a sorted positive range).
func nearest(vals []float64, x float64) int {
	i := sort.SearchFloat64s(vals, x)
	if i == 0 {
		return 0
	}
	if i == len(vals) {
		return len(vals) - 1
	}
	lo, hi := x-vals[i-1], vals[i]-x
	if lo < hi || lo == hi && (i-1)%2 == 0 {
		return i - 1
	}
	return i
}

// Narrowing equals a brute-force round to nearest, ties to even, over
// the positive finite values (the sign is handled separately by design).
func TestNarrowingIsNearestEven(t *testing.T) {
	check := func(name string, widen func(uint16) float32, narrow func(float32) uint16, maxBits uint16) {
		vals := make([]float64, 0, maxBits+1)
		for h := uint16(0); h <= maxBits; h++ {
			vals = append(vals, float64(widen(h)))
		}
		rng := rand.New(rand.NewSource(1))
		top := vals[len(vals)-1]
		tests := []float64{0, top, vals[1] / 2, vals[1] * 1.5, 1 + math.Ldexp(1, -11), 1 + 3*math.Ldexp(1, -11)}
		for i := 0; i < 200000; i++ {
			tests = append(tests, math.Ldexp(rng.Float64(), rng.Intn(40)-26))
			// exact midpoints
			j := rng.Intn(len(vals) - 1)
			tests = append(tests, (vals[j]+vals[j+1])/2)
		}
		for _, x := range tests {
			f := float32(x)
			if float64(f) > top {
				continue
			}
			want := uint16(nearest(vals, float64(f)))
			if got := narrow(f); got != want {
				t.Fatalf("%s(%g) = %#04x (%g), want %#04x (%g)", name, f, got, widen(got), want, widen(want))
			}
			if got := narrow(-f); got != want|0x8000 {
				t.Fatalf("%s(%g) = %#04x, want %#04x", name, -f, got, want|0x8000)
			}
		}
	}
	check("F32ToF16", F16ToF32, F32ToF16, 0x7bff)
	check("F32ToBF16", BF16ToF32, F32ToBF16, 0x7f7f)
	if F32ToF16(70000) != 0x7c00 || F32ToF16(-1e10) != 0xfc00 || F32ToBF16(float32(math.Inf(1))) != 0x7f80 {
		t.Fatal("overflow to infinity")
	}
}
