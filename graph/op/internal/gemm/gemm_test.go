package gemm

import (
	"math"
	"math/rand"
	"testing"
)

// TestGemmTiles: gemm, cut into tiles along m, n and k, agrees with a
// naive product for every transpose, with and without accumulation;
// k = 0 (lda = 0: an empty A) sets C = beta·C.
func TestGemmTiles(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, m := range []int{1, 70} {
		for _, n := range []int{5, 200} {
			for _, k := range []int{0, 3, 513, 1030} {
				for _, tA := range []bool{false, true} {
					for _, tB := range []bool{false, true} {
						for _, beta := range []float64{0, 1} {
							a, b := make([]float64, m*k), make([]float64, k*n)
							c := make([]float64, m*n)
							for i := range a {
								a[i] = rng.Float64() - 0.5
							}
							for i := range b {
								b[i] = rng.Float64() - 0.5
							}
							for i := range c {
								c[i] = rng.Float64() - 0.5
							}
							want := make([]float64, m*n)
							for i := range m {
								for j := range n {
									s := beta * c[i*n+j]
									for l := range k {
										av, bv := a[i*k+l], b[l*n+j]
										if tA {
											av = a[l*m+i]
										}
										if tB {
											bv = b[j*k+l]
										}
										s += av * bv
									}
									want[i*n+j] = s
								}
							}
							lda, ldb := k, n
							if tA {
								lda = m
							}
							if tB {
								ldb = k
							}
							Gemm(tA, tB, m, n, k, a, lda, b, ldb, beta, c, n)
							for i := range c {
								if math.Abs(c[i]-want[i]) > 1e-9 {
									t.Fatalf("m=%d n=%d k=%d tA=%t tB=%t beta=%g: c[%d]=%g, want %g", m, n, k, tA, tB, beta, i, c[i], want[i])
								}
							}
						}
					}
				}
			}
		}
	}
}
