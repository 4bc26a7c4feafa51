//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// transpose16AVX2 is transpose16Go with 8×8 register transposes
// (transposed_amd64.s).
//
//go:noescape
func transpose16AVX2(x *float32, ld, k8 int, dst *float32, ldd int)

func init() {
	if cpu.X86.HasAVX2 {
		transpose16 = transpose16AVX2
	}
}
