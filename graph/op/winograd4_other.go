//go:build !amd64 || purego

package op

// Without the assembly transforms, the F(4×4) path runs its scalar ones:
// these are never called (hasWinogradSIMD is false).

func winograd4Input8(xa, xb *float32, w int, v *float32, stride int, tmp *float32) {}
func winograd4Output8(m *float32, stride int, ya, yb *float32, ow int, bias float32, rows int, tmp *float32) {
}
