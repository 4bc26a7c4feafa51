package gemm

import (
	"math"
	"math/rand"
	"sync"
	"testing"
)

// storedPanels is a Panels over a stored row-major B: the reference
// layout is pack's.
type storedPanels struct {
	b   []float32
	ldb int
}

func (s *storedPanels) PackPanels(dst []float32, p0, kc, j0, nc int) {
	pack(s.b, s.ldb, true, nr, j0, p0, nc, kc, dst)
}

// TestPanelJob: a product with B given as Panels agrees with a float64
// product, split over rows (N under two panels a worker) and columns,
// serially and over three workers, for sizes off the tile, over several blocks of k
// (blockK) and m (blockM), with beta 0 (C full of NaN) and 0.5, and k = 0.
func TestPanelJob(t *testing.T) {
	if asmKernels == nil {
		t.Skip("no assembly kernels on this CPU: UsePanels is false")
	}
	defer func(w int) { MaxWorkers = w }(MaxWorkers)
	rng := rand.New(rand.NewSource(13))
	fill := func(n int) []float32 { return normals(rng, n) }
	var wg sync.WaitGroup
	for _, s := range [][3]int{{16, 100, 144}, {blockM + 7, 40, blockK + 30}, {70, 33, 9}, {512, 49, 600}, {64, 3000, 147}, {6, 16, 1}, {20, 17, 0}} {
		m, n, k := s[0], s[1], s[2]
		for _, workers := range []int{1, 3} {
			MaxWorkers = workers
			for _, beta := range []float32{0, 0.5} {
				lda, ldb, ldc := k+2, n+1, n+3
				a, b, c := fill(m*lda), fill(max(1, k*ldb)), fill(m*ldc)
				if beta == 0 {
					for i := range c {
						c[i] = float32(math.NaN())
					}
				}
				want, scale := naiveSgemm(false, false, m, n, k, a, lda, b, ldb, beta, c, ldc)
				j := PanelJob{M: m, N: n, K: k, A: a, LDA: lda, B: &storedPanels{b, ldb}, Beta: beta, C: c, LDC: ldc}
				j.Run(&wg)
				for i := range m {
					for q := range n {
						got, w := float64(c[i*ldc+q]), want[i*n+q]
						if tol := 1e-6 * (scale[i*n+q] + 1); !(math.Abs(got-w) <= tol) {
							t.Fatalf("m=%d n=%d k=%d workers=%d beta=%g: C[%d,%d] = %g, want %g", m, n, k, workers, beta, i, q, got, w)
						}
					}
				}
				for i := range m { // the padding of C's rows is left alone
					for q := n; q < ldc && i*ldc+q < len(c); q++ {
						if beta == 0 && !math.IsNaN(float64(c[i*ldc+q])) {
							t.Fatalf("m=%d n=%d k=%d: padding C[%d,%d] written", m, n, k, i, q)
						}
					}
				}
			}
		}
	}
}

// normals returns n draws of a standard normal from rng, as float32.
func normals(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}
