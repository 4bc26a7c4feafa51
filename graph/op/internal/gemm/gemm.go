// Package gemm is convzoo's matrix product: C = op(A)·op(B) + beta·C in
// row-major order for float32 and float64, and the small worker pool the
// graph kernels share. It imports nothing of convzoo.
//
// float32 products of at least one micro-kernel tile run on a blocked
// GEMM (sgemm.go) with assembly micro-kernels chosen at start-up from
// the CPU's features (kernels_amd64.go); the rest go to gonum's BLAS, or
// to OpenBLAS with the build tags openblas and cgo
// (CGO_LDFLAGS=-lopenblas). The build tag purego leaves the assembly out.
package gemm

import (
	"runtime"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// level3 is the part of BLAS the kernels of this package call.
type level3 interface {
	Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
}

var (
	// impl is the BLAS of the GEMMs here: gonum's pure Go by default,
	// OpenBLAS through cgo under the build tags openblas and cgo. With
	// gonum, float32 products of at least one tile (useSgemm) go to
	// sgemm (sgemm.go) instead, where the CPU has its micro-kernel
	// (amd64 with AVX2 and FMA; build tag purego turns it off).
	impl level3 = gonum.Implementation{}
	// tileGEMM cuts each GEMM into tiles small enough that gonum runs
	// them serially: gonum parallelises a large GEMM itself, starting
	// goroutines and allocating on every call, while graph kernels
	// parallelise over the batch with the allocation-free pool (pool.go).
	tileGEMM = true
	// MaxWorkers caps the goroutines one kernel call uses (tests set
	// it to 1 to check the serial path).
	MaxWorkers = runtime.GOMAXPROCS(0)
)

// Float is the element type of a product.
type Float interface{ ~float32 | ~float64 }

// Tile sizes: gonum goes parallel from 4 blocks of 64x64 in C. gonum's
// serial kernels do not block the inner dimension: for each row of A
// they stream a whole k×n panel of B (or, transposed, n rows of length
// k), so a long k (VGG: 576 to 4608) pushes the panel out of the L2 cache
// and every row of A reads it from memory again. Splitting k into
// tileK-long slices, accumulated into C, keeps a 256×192 panel (192 KiB
// in float32) in L2; k up to maxK is left whole.
const (
	tileM, tileN = 64, 192
	tileK, maxK  = 256, 512
)

// isGonum reports whether impl is gonum's (not OpenBLAS): then float32
// GEMMs go to sgemm's micro-kernel where the CPU has one.
func isGonum() bool {
	_, ok := impl.(gonum.Implementation)
	return ok
}

// useSgemm reports whether an m×n float32 product goes to sgemm: it
// must fill at least one mr×nr tile of the micro-kernel. Thinner ones do
// not earn back the packing, and gonum is faster there (but see
// useDot). Measured on LeNet-5 (`zoo bench lenet`, medians of 3,
// same run): training 4,481 img/s from 16 rows and columns, 4,889 from a
// tile (6×16), 4,817 with every product on the kernel.
func useSgemm(m, n int) bool {
	return asmKernels != nil && isGonum() && m >= mr && n >= nr
}

// useDot reports whether a float32 A·Bᵀ product thinner than a tile goes
// to sgemm all the same, which sends it to the dot kernel (dot.go): no
// packing to earn back, and both operands read in place. A batch-1
// Linear layer, x·Wᵀ, reads W once either way, at about 2.5 times
// gonum's speed (1×1000×2048, ResNet's classifier: 3.7 -> 1.4 ms of CPU
// time; 1×4096×9216, AlexNet's first: 54 -> 23 ms; medians of 20
// alternated calls, W from memory).
func useDot(tA, tB bool, m, k int) bool {
	return asmKernels != nil && isGonum() && tB && !tA && m <= dotM && k >= dotMinK
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// Gemm computes C = op(A)·op(B) + beta·C in row-major order, C being m×n
// and the inner dimension k; op transposes where tA or tB. As in BLAS,
// beta 0 ignores C's contents.
func Gemm[T Float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 { // C = beta·C on every path (BLAS would refuse lda = k = 0)
		scaleRows(m, n, beta, c, ldc)
		return
	}
	if useSgemm(m, n) || useDot(tA, tB, m, k) {
		if a32, ok := any(a).([]float32); ok {
			sgemm(*asmKernels, tA, tB, m, n, k, a32, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
			return
		}
	}
	if !tileGEMM || (m <= tileM && n <= tileN && k <= maxK) {
		rawGemm(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	kt := k
	if k > maxK {
		kt = tileK
	}
	// Column tiles outermost, so that one B panel serves every row tile.
	for j := 0; j < n; j += tileN {
		nj := min(tileN, n-j)
		for l := 0; l < k; l += kt {
			kl := min(kt, k-l)
			bl := l*ldb + j // B is k×n
			if tB {
				bl = j*ldb + l // B is n×k
			}
			bt := beta
			if l > 0 {
				bt = 1
			}
			for i := 0; i < m; i += tileM {
				mi := min(tileM, m-i)
				al := i*lda + l // A is m×k
				if tA {
					al = l*lda + i // A is k×m
				}
				rawGemm(tA, tB, mi, nj, kl, a[al:], lda, b[bl:], ldb, bt, c[i*ldc+j:], ldc)
			}
		}
	}
}

// scaleRows sets the m×n matrix C (row stride ldc) to beta·C; beta 0
// ignores C's contents (NaN included), as in BLAS.
func scaleRows[T Float](m, n int, beta T, c []T, ldc int) {
	for i := range m {
		row := c[i*ldc:][:n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

func rawGemm[T Float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float32:
		impl.Sgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		impl.Dgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}
