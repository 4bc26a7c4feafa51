//go:build amd64 && !purego

package op

// winograd4Input8 computes the F(4×4) input transform of 8 tiles, 4 side
// by side at xa and 4 at xb (winograd4_amd64.s); tmp holds 288 floats.
//
//go:noescape
func winograd4Input8(xa, xb *float32, w int, v *float32, stride int, tmp *float32)

// winograd4Output8 computes the F(4×4) output transform of 8 tiles, to 4
// side by side at ya and 4 at yb, rows (1 to 4) output rows
// (winograd4_amd64.s); tmp holds 192 floats.
//
//go:noescape
func winograd4Output8(m *float32, stride int, ya, yb *float32, ow int, bias float32, rows int, tmp *float32)
