package gemm

import (
	"fmt"
	"math"
	"math/rand"
	"sync"
	"testing"
)

// TestJob: a float32 Job split over the workers agrees with a float64
// product for every transpose, split along M in whole row tiles (N with
// fewer than two panels a worker: 49, 20) and along N in whole panels
// (196, 3000, off the panel width), with beta 0 (C full of NaN) and 0.5,
// and leaves the padding of C's rows alone; also on one worker.
func TestJob(t *testing.T) {
	defer func(w int) { MaxWorkers = w }(MaxWorkers)
	rng := rand.New(rand.NewSource(21))
	var wg sync.WaitGroup
	for _, s := range [][3]int{{2048, 49, 40}, {20, 49, 300}, {300, 196, 64}, {64, 3000, 20}, {7, 20, 5}, {100, 196, 0}} {
		m, n, k := s[0], s[1], s[2]
		for _, workers := range []int{1, 3} {
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, beta := range []float32{0, 0.5} {
						name := fmt.Sprintf("m=%d n=%d k=%d workers=%d tA=%t tB=%t beta=%g", m, n, k, workers, tA, tB, beta)
						MaxWorkers = workers
						lda, ldb, ldc := k+1, n+2, n+3
						if tA {
							lda = m + 1
						}
						if tB {
							ldb = k + 2
						}
						a := normals(rng, max(1, max(m, k)*lda))
						b := normals(rng, max(1, max(n, k)*ldb))
						c := normals(rng, m*ldc)
						if beta == 0 {
							for i := range c {
								c[i] = float32(math.NaN())
							}
						}
						want, scale := naiveSgemm(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
						j := Job[float32]{TA: tA, TB: tB, M: m, N: n, K: k, A: a, LDA: lda, B: b, LDB: ldb, Beta: beta, C: c, LDC: ldc}
						j.Run(&wg)
						if wantRows := n < 2*nr*workers; j.byRows != wantRows {
							t.Fatalf("%s: split along M %t, want %t", name, j.byRows, wantRows)
						}
						for i := range m {
							for q := range ldc {
								if i*ldc+q >= len(c) {
									break
								}
								got := float64(c[i*ldc+q])
								if q >= n {
									if beta == 0 && !math.IsNaN(got) {
										t.Fatalf("%s: padding C[%d,%d] written", name, i, q)
									}
									continue
								}
								if w := want[i*n+q]; !(math.Abs(got-w) <= 1e-5*(scale[i*n+q]+1)) {
									t.Fatalf("%s: C[%d,%d] = %g, want %g", name, i, q, got, w)
								}
							}
						}
					}
				}
			}
		}
	}
}
