package vec

import (
	"fmt"
	"math/rand"
	"testing"
)

// kernels are Add's implementations on this machine, each forced in turn.
func kernels() map[string]func(n int, dst, x, y *float32) {
	ks := map[string]func(n int, dst, x, y *float32){"go": nil}
	if addAsm != nil {
		ks["asm"] = addAsm
	}
	return ks
}

// TestAdd: every length from 0 to 80 (each branch of the assembly's
// rounds and tail), into a fresh slice, in place over x and over y, and
// nothing written past len(dst).
func TestAdd(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	saved := addAsm
	defer func() { addAsm = saved }()
	for name, k := range kernels() {
		addAsm = k
		for n := 0; n <= 80; n++ {
			x, y := make([]float32, n+1), make([]float32, n+1)
			for i := range x {
				x[i], y[i] = rng.Float32()*2-1, rng.Float32()*2-1
			}
			want := make([]float32, n)
			for i := range want {
				want[i] = x[i] + y[i]
			}
			for _, mode := range []string{"fresh", "into x", "into y"} {
				xc, yc := append([]float32(nil), x...), append([]float32(nil), y...)
				dst := make([]float32, n+1)
				dst[n] = 7
				switch mode {
				case "into x":
					dst = xc
				case "into y":
					dst = yc
				}
				guard := dst[n]
				Add(dst[:n], xc, yc)
				for i, w := range want {
					if dst[i] != w {
						t.Fatalf("%s, n %d, %s: dst[%d] = %g, want %g", name, n, mode, i, dst[i], w)
					}
				}
				if dst[n] != guard {
					t.Fatalf("%s, n %d, %s: wrote past the end", name, n, mode)
				}
			}
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	saved := addAsm
	defer func() { addAsm = saved }()
	for name, k := range kernels() {
		for _, n := range []int{10, 1024, 65536} {
			x, y := make([]float32, n), make([]float32, n)
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				addAsm = k
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					Add(x, x, y)
				}
			})
		}
	}
}
