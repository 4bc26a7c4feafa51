//go:build !amd64 || purego

package op

// Without the assembly transforms (other CPUs, build tag purego), the
// Winograd path runs its scalar ones: these are never called.

func winogradInput8(xa, xb *float32, w int, v *float32, stride int)                 {}
func winogradOutput8(m *float32, stride int, ya, yb *float32, ow int, bias float32) {}

const hasWinogradSIMD = false
