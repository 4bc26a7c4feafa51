//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// The AVX2/FMA tile kernels (kernels_amd64.s): microKernels of 6×16,
// 4×16, 2×16 and 6×8 tiles.
//
//go:noescape
func sgemmKernel6x16(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int)

//go:noescape
func sgemmKernel4x16(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int)

//go:noescape
func sgemmKernel2x16(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int)

//go:noescape
func sgemmKernel6x8(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int)

// packPanel16 packs one 16-column panel of a plain B (kernels_amd64.s).
//
//go:noescape
func packPanel16(kc int, src *float32, lds int, dst *float32)

// sgemmDot4x3 is the AVX2/FMA dot kernel (kernels_amd64.s).
//
//go:noescape
func sgemmDot4x3(k8 int, a *float32, lda int, b *float32, ldb int, out *float32)

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		asmKernels = &gemmKernels{tile: sgemmKernel6x16, rows4: sgemmKernel4x16, rows2: sgemmKernel2x16, cols8: sgemmKernel6x8, pack16: packPanel16, dot: sgemmDot4x3}
	}
}
