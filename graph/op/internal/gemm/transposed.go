package gemm

import "unsafe"

// TransposedB is a float32 B given by its transpose as Panels: B = Xᵀ
// for X n×k, row-major with row stride LD, so that column j of B is row
// j of X. A convolution's weight gradient computed as dWᵀ = columns ·
// dyᵀ takes each sample's dy (output channels × output pixels) this way:
// packing transposes dy, n·k values, for m·n·k multiply-adds on the
// micro-kernel (m the rows of the columns, 27 to 4608 in the zoo), where
// the dot kernel's dW = dy · columnsᵀ pays a horizontal sum per entry of
// C per pass, and packing the columns' transpose would cost m·k.
//
// A kernel keeps one per worker as a field: a PanelJob holds it as an
// interface, and a value made per call would be allocated.
type TransposedB struct {
	X  []float32
	LD int
}

// TileRows is the number of rows of C one micro-kernel call computes: a
// product split by rows runs fastest in multiples of it.
const TileRows = mr

// PackPanels writes rows [p0, p0+kc) and columns [j0, j0+nc) of B = Xᵀ
// into dst as Panels describes.
func (t *TransposedB) PackPanels(dst []float32, p0, kc, j0, nc int) {
	packT(transpose16, t.X, t.LD, j0, p0, nc, kc, dst)
}

// transpose16Kernel transposes 16 rows of x, 8·k8 long: dst[p·ldd+q] =
// x[q·ld+p] for q < 16 and p < 8·k8.
type transpose16Kernel func(x *float32, ld, k8 int, dst *float32, ldd int)

// transpose16 is the assembly kernel where the CPU has AVX2
// (transposed_amd64.go), else transpose16Go.
var transpose16 transpose16Kernel = transpose16Go

// packT packs rows [j0, j0+nc) of x, columns [p0, p0+kc), as panels of
// nr rows of x, each stored column by column (nr values per column of
// x), rows past nc zero: B = xᵀ packed as pack packs a plain B.
func packT(kern transpose16Kernel, x []float32, ld, j0, p0, nc, kc int, dst []float32) {
	for t := 0; t < nc; t += nr {
		nn := min(nr, nc-t)
		panel := dst[t*kc:][:kc*nr]
		transpose(kern, nn, kc, x[(j0+t)*ld+p0:], ld, panel, nr)
		for q := nn; q < nr; q++ {
			for p := range kc {
				panel[p*nr+q] = 0
			}
		}
	}
}

// Transpose sets dst[j·ldd+i] = x[i·ld+j] for i < m and j < n.
func Transpose(m, n int, x []float32, ld int, dst []float32, ldd int) {
	transpose(transpose16, m, n, x, ld, dst, ldd)
}

// transpose is Transpose with kern for strips of 16 rows of x, eight
// columns at a time; the other rows and columns are copied one by one.
func transpose(kern transpose16Kernel, m, n int, x []float32, ld int, dst []float32, ldd int) {
	if m == 0 || n == 0 {
		return
	}
	_ = x[(m-1)*ld+n-1]
	_ = dst[(n-1)*ldd+m-1] // the kernel reads and writes without bounds checks
	k8 := n / 8
	i := 0
	if k8 > 0 {
		for ; i+16 <= m; i += 16 {
			kern(&x[i*ld], ld, k8, &dst[i], ldd)
		}
	}
	for r := range m {
		from := 8 * k8 // the columns the kernel did not copy
		if r >= i {
			from = 0
		}
		for j := from; j < n; j++ {
			dst[j*ldd+r] = x[r*ld+j]
		}
	}
}

// transpose16Go is the strip transpose in Go: the reference the
// assembly one is tested against.
func transpose16Go(x *float32, ld, k8 int, dst *float32, ldd int) {
	xs := unsafe.Slice(x, 15*ld+8*k8)
	ds := unsafe.Slice(dst, (8*k8-1)*ldd+16)
	for q := range 16 {
		for p, v := range xs[q*ld:][:8*k8] {
			ds[p*ldd+q] = v
		}
	}
}
