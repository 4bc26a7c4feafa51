package gemm

import "sync"

// PanelWidth is the number of columns of B in one packed panel: the
// micro-kernel's nr.
const PanelWidth = nr

// Panels is a float32 B that is never stored whole: the product asks it
// for one block at a time, already in the micro-kernel's packed layout.
// A convolution's B is its im2col columns; built straight into the
// panels (an implicit GEMM), they cost one pass over the input instead
// of a write of the columns and a second pass to pack them.
type Panels interface {
	// PackPanels writes rows [p0, p0+kc) and columns [j0, j0+nc) of B
	// into dst as ⌈nc/PanelWidth⌉ panels of kc×PanelWidth values, panel
	// t at dst[t·kc·PanelWidth:], each stored row by row (PanelWidth
	// values per row), columns past nc zero. Calls for different dst
	// may run at once.
	PackPanels(dst []float32, p0, kc, j0, nc int)
}

// UsePanels reports whether an m×n float32 product runs on the
// micro-kernel; only those take their B as Panels (PanelJob).
func UsePanels(m, n int) bool { return useSgemm(m, n) }

// PacksB reports whether a product with m rows reads each panel of B
// often enough (more than directM rows) that a convolution builds its
// columns as panels (im2colPanels) rather than as a stored matrix: a
// stored B is packed too, a 16-column panel at a time with one 64-byte
// copy a row, and for fewer rows im2col's long copies into a matrix that
// stays in the cache are cheaper than building the panels.
func PacksB(m int) bool { return m > directM }

// panelSource is a Panels and the column of B that is column 0 of C.
type panelSource struct {
	p  Panels
	j0 int
}

// PanelJob is C = A·B + Beta·C for A m×k plain (row stride LDA) and B
// given as Panels, C m×n with row stride LDC; UsePanels(M, N) must hold.
// RunRange splits it along N in whole panels where each worker gets two
// or more, else along M in whole micro-kernel rows. Split along N, the
// workers share A (read in place) and each builds only its own panels
// of B; along M, each builds all of B (BenchmarkConv2dZoo, ResNet-18
// layer3 and ResNet-50's 1×1 stride-2 convolution at batch 1, N = 196:
// 0.75 to 0.9 times the CPU time split along N, where M ≥ N split them
// along M before). A kernel keeps one as a field, so that a call
// allocates nothing.
type PanelJob struct {
	M, N, K  int
	A        []float32
	LDA      int
	B        Panels
	Beta     float32
	C        []float32
	LDC      int
	splitRow bool // set by Run and Units
}

// Units returns the number of items RunRange takes: column panels, or
// row tiles (mr rows) where N has fewer than two panels a worker.
func (j *PanelJob) Units() int {
	j.splitRow = j.N < 2*nr*MaxWorkers
	if j.splitRow {
		return (j.M + mr - 1) / mr
	}
	return (j.N + nr - 1) / nr
}

// RunRange computes the row tiles or column panels [lo, hi) of C (see
// Units, which must have been called).
func (j *PanelJob) RunRange(_, lo, hi int) {
	if j.M == 0 || j.N == 0 || lo >= hi {
		return
	}
	if j.K == 0 { // C = Beta·C, reading neither A nor B
		if j.splitRow {
			scaleRows(min(hi*mr, j.M)-lo*mr, j.N, j.Beta, j.C[lo*mr*j.LDC:], j.LDC)
		} else {
			scaleRows(j.M, min(hi*nr, j.N)-lo*nr, j.Beta, j.C[lo*nr:], j.LDC)
		}
		return
	}
	bufs := packPool.Get().(*packBufs)
	defer packPool.Put(bufs)
	if j.splitRow {
		r0, r1 := lo*mr, min(hi*mr, j.M)
		src := panelSource{p: j.B}
		sgemmPacked(asmKernels, false, false, r1-r0, j.N, j.K, j.A[r0*j.LDA:], j.LDA, nil, 0, j.Beta, j.C[r0*j.LDC:], j.LDC, nil, &src, bufs)
		return
	}
	c0, c1 := lo*nr, min(hi*nr, j.N)
	src := panelSource{p: j.B, j0: c0}
	sgemmPacked(asmKernels, false, false, j.M, c1-c0, j.K, j.A, j.LDA, nil, 0, j.Beta, j.C[c0:], j.LDC, nil, &src, bufs)
}

// Run computes the product, on the pool when it is big enough to pay
// for it; wg belongs to the caller.
func (j *PanelJob) Run(wg *sync.WaitGroup) {
	u := j.Units()
	if j.M*j.N*j.K < 1<<18 {
		j.RunRange(0, 0, u)
		return
	}
	ParallelFor(j, u, wg)
}

// UsesPanels reports whether the products of p run on the panels Pack
// filled: then they no longer read the A given to Pack, which its owner
// may reuse.
func (p *PackedA) UsesPanels() bool { return p.useData }
