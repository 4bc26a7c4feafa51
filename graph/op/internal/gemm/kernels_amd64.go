//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// sgemmKernel6x16 is the AVX2/FMA micro-kernel (kernels_amd64.s).
//
//go:noescape
func sgemmKernel6x16(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int)

// sgemmDot4x3 is the AVX2/FMA dot kernel (kernels_amd64.s).
//
//go:noescape
func sgemmDot4x3(k8 int, a *float32, lda int, b *float32, ldb int, out *float32)

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		asmKernels = &gemmKernels{tile: sgemmKernel6x16, dot: sgemmDot4x3}
	}
}
