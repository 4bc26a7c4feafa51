//go:build amd64 && !purego

package op

import "golang.org/x/sys/cpu"

// directConv8x12, directConv8x14, directConv16x5 and directConv16x6 are
// directConvGo for 12 and 14 pixels of up to 8 channels and 5 and 6
// pixels of up to 16 (convdirect_amd64.s).
//
//go:noescape
func directConv8x12(x *float32, offs *int32, nk int, w, bias, out *float32, ldo, nout, relu int)

//go:noescape
func directConv8x14(x *float32, offs *int32, nk int, w, bias, out *float32, ldo, nout, relu int)

//go:noescape
func directConv16x5(x *float32, offs *int32, nk int, w, bias, out *float32, ldo, nout, relu int)

//go:noescape
func directConv16x6(x *float32, offs *int32, nk int, w, bias, out *float32, ldo, nout, relu int)

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		directKernels, directSIMD = [4]directKernel{directConv8x12, directConv8x14, directConv16x5, directConv16x6}, true
	}
}
