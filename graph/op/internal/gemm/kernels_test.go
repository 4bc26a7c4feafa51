package gemm

import (
	"math"
	"math/rand"
	"testing"
)

// TestTileKernels: each assembly tile kernel agrees with the Go kernel
// of its shape, for A packed (rows 1 apart, steps mr apart) and read in
// place (rows lda apart), B packed (ldb = nr: the kernels' constant
// offsets) and strided, k from 0 through the groups of four steps and
// their remainders, with beta 0 (C full of NaN, which must not leak) and
// 0.5; C's entries outside the tile are left alone.
func TestTileKernels(t *testing.T) {
	if asmKernels == nil {
		t.Skip("no assembly kernels on this CPU")
	}
	shapes := []struct {
		name       string
		asm        microKernel
		rows, cols int
	}{
		{"6x16", asmKernels.tile, mr, nr},
		{"4x16", asmKernels.rows4, 4, nr},
		{"2x16", asmKernels.rows2, 2, nr},
		{"6x8", asmKernels.cols8, mr, 8},
	}
	rng := rand.New(rand.NewSource(21))
	const ldc = nr + 3
	for _, s := range shapes {
		ref := kernelGoShape(s.rows, s.cols)
		for _, k := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257} {
			for _, inPlace := range []bool{false, true} {
				for _, ldb := range []int{nr, nr + 5} {
					for _, beta := range []float32{0, 0.5} {
						ars, aks, lda := 1, mr, 0
						a := normals(rng, mr*max(k, 1))
						if inPlace {
							lda = k + 3
							ars, aks = lda, 1
							a = normals(rng, mr*lda)
						}
						b := normals(rng, max(k, 1)*ldb)
						c := normals(rng, mr*ldc)
						if beta == 0 {
							for i := range c {
								c[i] = float32(math.NaN())
							}
						}
						want := append([]float32(nil), c...)
						load := 1
						if beta == 0 {
							load = 0
						}
						ref(k, &a[0], ars, aks, &b[0], ldb, &want[0], ldc, beta, load)
						s.asm(k, &a[0], ars, aks, &b[0], ldb, &c[0], ldc, beta, load)
						for i := range c {
							r, q := i/ldc, i%ldc
							got, w := float64(c[i]), float64(want[i])
							if r >= s.rows || q >= s.cols {
								if !(got == w || math.IsNaN(got) && math.IsNaN(w)) {
									t.Fatalf("%s k=%d inPlace=%t ldb=%d beta=%g: C[%d,%d] outside the tile written: %g, was %g",
										s.name, k, inPlace, ldb, beta, r, q, got, w)
								}
								continue
							}
							// The Go kernel's float32 sums in another order:
							// a tolerance on the scale of the terms.
							var scale float64
							for p := range k {
								scale += math.Abs(float64(a[r*ars+p*aks]) * float64(b[p*ldb+q]))
							}
							if !(math.Abs(got-w) <= 1e-5*(scale+1)) {
								t.Fatalf("%s k=%d inPlace=%t ldb=%d beta=%g: C[%d,%d] = %g, want %g",
									s.name, k, inPlace, ldb, beta, r, q, got, w)
							}
						}
					}
				}
			}
		}
	}
}

// TestPackPanel16: packB, with the Go and the assembly panel copy,
// agrees with pack, for a plain and a transposed B, with padded rows.
func TestPackPanel16(t *testing.T) {
	rng := rand.New(rand.NewSource(22))
	for _, kc := range []int{1, 7, 8, 9, 16, 255, 256} {
		for _, pad := range []int{0, 3} {
			for _, tB := range []bool{false, true} {
				ldb := nr + pad // B is kc×ldb, or nr×ldb transposed
				rows := kc
				if tB {
					ldb, rows = kc+pad, nr
				}
				b := normals(rng, rows*ldb)
				want, got := make([]float32, kc*nr), make([]float32, kc*nr)
				pack(b, ldb, !tB, nr, 0, 0, nr, kc, want)
				for name, ks := range kernels() {
					clear(got)
					ks.packB(b, ldb, tB, 0, 0, nr, kc, got)
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("%s kc=%d ldb=%d tB=%t: panel[%d] = %g, want %g", name, kc, ldb, tB, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
