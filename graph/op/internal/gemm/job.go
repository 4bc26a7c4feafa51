package gemm

import "sync"

// Job is one GEMM, C = op(A)·op(B) + Beta·C as Gemm computes it, that Run
// splits across the workers along the longer of M and N. A kernel keeps
// one as a field, so that a call allocates nothing.
type Job[T Float] struct {
	TA, TB        bool
	M, N, K       int
	A, B, C       []T
	LDA, LDB, LDC int
	Beta          T
}

// RunRange computes rows (M >= N) or columns [lo, hi) of C.
func (g *Job[T]) RunRange(_, lo, hi int) {
	if g.M >= g.N {
		a := g.A[lo:]
		if !g.TA {
			a = g.A[lo*g.LDA:]
		}
		Gemm(g.TA, g.TB, hi-lo, g.N, g.K, a, g.LDA, g.B, g.LDB, g.Beta, g.C[lo*g.LDC:], g.LDC)
		return
	}
	b := g.B[lo:]
	if g.TB {
		b = g.B[lo*g.LDB:]
	}
	Gemm(g.TA, g.TB, g.M, hi-lo, g.K, g.A, g.LDA, b, g.LDB, g.Beta, g.C[lo:], g.LDC)
}

// Run computes the product, on the pool when it is big enough to pay
// for it; wg belongs to the caller.
func (g *Job[T]) Run(wg *sync.WaitGroup) {
	if g.M*g.N*g.K < 1<<18 {
		g.RunRange(0, 0, max(g.M, g.N))
		return
	}
	ParallelFor(g, max(g.M, g.N), wg)
}
