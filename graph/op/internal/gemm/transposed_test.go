package gemm

import (
	"math"
	"math/rand"
	"slices"
	"sync"
	"testing"
)

// transpose16Kernels returns the strip transposes to test: the Go one
// always, the default (assembly where this CPU runs it) too.
func transpose16Kernels() map[string]transpose16Kernel {
	return map[string]transpose16Kernel{"go": transpose16Go, "default": transpose16}
}

// TestPackT: packT writes what pack writes for a transposed B (the
// reference layout), with each panel transpose, for whole and partial
// panels, kc on and off a multiple of 8 (and below 8), offsets into x
// and a padded row stride; the padding rows of a partial panel are 0.
func TestPackT(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	for name, kern := range transpose16Kernels() {
		for _, s := range [][4]int{{16, 8, 0, 0}, {32, 256, 0, 0}, {16, 1, 3, 5}, {17, 7, 1, 2}, {40, 13, 2, 9}, {5, 24, 0, 1}, {48, 1000, 4, 3}} {
			nc, kc, j0, p0 := s[0], s[1], s[2], s[3]
			ld := p0 + kc + 3
			x := normals(rng, (j0+nc)*ld)
			want := make([]float32, roundUp(nc, nr)*kc)
			pack(x, ld, false, nr, j0, p0, nc, kc, want)
			got := make([]float32, len(want))
			for i := range got {
				got[i] = float32(math.NaN())
			}
			packT(kern, x, ld, j0, p0, nc, kc, got)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: nc=%d kc=%d j0=%d p0=%d: packT differs from pack", name, nc, kc, j0, p0)
			}
		}
	}
}

// TestTransposedB: C = A·Bᵀ + beta·C with Bᵀ given as TransposedB panels
// agrees with a float64 product, for sizes off the tile (m, n not
// multiples of 6 and 16, k not a multiple of 8, k = 1), over several
// blocks of k and m, serially and over three workers, with beta 0 (C
// full of NaN) and 0.5, with each panel transpose.
func TestTransposedB(t *testing.T) {
	if asmKernels == nil {
		t.Skip("no assembly kernels on this CPU: UsePanels is false")
	}
	defer func(w int, k transpose16Kernel) { MaxWorkers, transpose16 = w, k }(MaxWorkers, transpose16)
	rng := rand.New(rand.NewSource(22))
	var wg sync.WaitGroup
	for name, kern := range transpose16Kernels() {
		transpose16 = kern
		for _, s := range [][3]int{{144, 16, 1024}, {blockM + 7, 40, blockK + 30}, {27, 16, 1}, {6, 17, 9}, {576, 64, 49}, {13, 33, 100}} {
			m, n, k := s[0], s[1], s[2]
			for _, workers := range []int{1, 3} {
				MaxWorkers = workers
				for _, beta := range []float32{0, 0.5} {
					lda, ldb, ldc := k+2, k+1, n+3
					a, b, c := normals(rng, m*lda), normals(rng, n*ldb), normals(rng, m*ldc)
					if beta == 0 {
						for i := range c {
							c[i] = float32(math.NaN())
						}
					}
					want, scale := naiveSgemm(false, true, m, n, k, a, lda, b, ldb, beta, c, ldc)
					j := PanelJob{M: m, N: n, K: k, A: a, LDA: lda, B: &TransposedB{X: b, LD: ldb}, Beta: beta, C: c, LDC: ldc}
					j.Run(&wg)
					for i := range m {
						for q := range n {
							got, w := float64(c[i*ldc+q]), want[i*n+q]
							if tol := 1e-6 * (scale[i*n+q] + 1); !(math.Abs(got-w) <= tol) {
								t.Fatalf("%s: m=%d n=%d k=%d workers=%d beta=%g: C[%d,%d] = %g, want %g", name, m, n, k, workers, beta, i, q, got, w)
							}
						}
					}
				}
			}
		}
	}
}

// TestTranspose: Transpose with each strip transpose matches the
// definition, for sizes on and off 16 rows and 8 columns, below both,
// with padded strides; the padding of dst is left alone.
func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	defer func(k transpose16Kernel) { transpose16 = k }(transpose16)
	for name, kern := range transpose16Kernels() {
		transpose16 = kern
		for _, s := range [][2]int{{16, 8}, {144, 16}, {4608, 512}, {17, 9}, {5, 7}, {1, 1}, {40, 33}, {0, 3}} {
			m, n := s[0], s[1]
			ld, ldd := n+3, m+2
			x := normals(rng, max(1, m*ld))
			dst := make([]float32, max(1, n*ldd))
			for i := range dst {
				dst[i] = float32(math.NaN())
			}
			Transpose(m, n, x, ld, dst, ldd)
			for j := range n {
				for i := range ldd {
					got := dst[j*ldd+i]
					if i >= m {
						if !math.IsNaN(float64(got)) {
							t.Fatalf("%s: %dx%d: padding dst[%d,%d] written", name, m, n, j, i)
						}
						continue
					}
					if want := x[i*ld+j]; got != want {
						t.Fatalf("%s: %dx%d: dst[%d,%d] = %g, want %g", name, m, n, j, i, got, want)
					}
				}
			}
		}
	}
}
