//go:build amd64 && !purego

package op

import "golang.org/x/sys/cpu"

// winogradInput8 computes the input transform of 8 tiles, 4 side by
// side at xa and 4 at xb (winograd_amd64.s).
//
//go:noescape
func winogradInput8(xa, xb *float32, w int, v *float32, stride int)

// winogradOutput8 computes the output transform of 8 tiles, to 4 side
// by side at ya and 4 at yb (winograd_amd64.s).
//
//go:noescape
func winogradOutput8(m *float32, stride int, ya, yb *float32, ow int, bias float32)

// hasWinogradSIMD: the CPU runs the AVX2 transforms.
var hasWinogradSIMD = cpu.X86.HasAVX2
