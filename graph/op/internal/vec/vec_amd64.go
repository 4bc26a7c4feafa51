//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// addAVX2 is Add's AVX2 kernel (vec_amd64.s): n > 0 elements.
//
//go:noescape
func addAVX2(n int, dst, x, y *float32)

func init() {
	if cpu.X86.HasAVX2 {
		addAsm = addAVX2
	}
}
