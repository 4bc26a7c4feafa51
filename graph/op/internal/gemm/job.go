package gemm

import "sync"

// Job is one GEMM, C = op(A)·op(B) + Beta·C as Gemm computes it, that Run
// splits across the workers: along N in whole 16-column panels where
// each worker gets two or more, else along M in whole micro-kernel rows.
// Split along N, each worker packs only its own columns of B and all
// read A; along M, each packs all of B. At batch 1 a convolution's B is
// its input, and ResNet-50's 14×14 1×1 convolutions (N = 196, M = 256
// to 1024, K = 256 to 1024) packed it twice where M > N sent them along
// M (as PanelJob found for its panels). A kernel keeps one as a field,
// so that a call allocates nothing.
type Job[T Float] struct {
	TA, TB        bool
	M, N, K       int
	A, B, C       []T
	LDA, LDB, LDC int
	Beta          T
	byRows        bool // set by Units
}

// Units returns the number of items RunRange takes: column panels (nr
// columns), or row tiles (mr rows) where N has fewer than two panels a
// worker.
func (g *Job[T]) Units() int {
	g.byRows = g.N < 2*nr*MaxWorkers
	if g.byRows {
		return (g.M + mr - 1) / mr
	}
	return (g.N + nr - 1) / nr
}

// RunRange computes the row tiles or column panels [lo, hi) of C (see
// Units, which must have been called).
func (g *Job[T]) RunRange(_, lo, hi int) {
	if g.byRows {
		r0, r1 := lo*mr, min(hi*mr, g.M)
		if r0 >= r1 {
			return
		}
		a := g.A[r0:]
		if !g.TA {
			a = g.A[r0*g.LDA:]
		}
		Gemm(g.TA, g.TB, r1-r0, g.N, g.K, a, g.LDA, g.B, g.LDB, g.Beta, g.C[r0*g.LDC:], g.LDC)
		return
	}
	c0, c1 := lo*nr, min(hi*nr, g.N)
	if c0 >= c1 {
		return
	}
	b := g.B[c0:]
	if g.TB {
		b = g.B[c0*g.LDB:]
	}
	Gemm(g.TA, g.TB, g.M, c1-c0, g.K, g.A, g.LDA, b, g.LDB, g.Beta, g.C[c0:], g.LDC)
}

// Run computes the product, on the pool when it is big enough to pay
// for it; wg belongs to the caller.
func (g *Job[T]) Run(wg *sync.WaitGroup) {
	u := g.Units()
	if g.M*g.N*g.K < 1<<18 {
		g.RunRange(0, 0, u)
		return
	}
	ParallelFor(g, u, wg)
}
