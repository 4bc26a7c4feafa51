//go:build openblas && cgo

package gemm

import "gonum.org/v1/netlib/blas/netlib"

// With the build tags openblas and cgo, every GEMM goes to OpenBLAS
// through gonum's cgo binding (Debian: libopenblas-dev; link with
// CGO_LDFLAGS=-lopenblas). OpenBLAS GEMMs are called whole: it blocks
// them itself and starts no goroutines. Set OPENBLAS_NUM_THREADS=1, the
// fastest setting on two cores (docs/gorgonia.md): the kernels parallelise
// over the batch themselves.
func init() {
	impl = netlib.Implementation{}
	tileGEMM = false
}
