//go:build amd64 && !purego

package op

import "golang.org/x/sys/cpu"

// winogradInput8 computes the input transform of 8 tiles side by side
// (winograd_amd64.s).
//
//go:noescape
func winogradInput8(x *float32, w int, v *float32, stride int)

// winogradOutput8 computes the output transform of 8 tiles side by side
// (winograd_amd64.s).
//
//go:noescape
func winogradOutput8(m *float32, stride int, y *float32, ow int, bias float32)

// hasWinogradSIMD: the CPU runs the AVX2 transforms.
var hasWinogradSIMD = cpu.X86.HasAVX2
