//go:build amd64 && !purego

package op

// winograd4Input8 computes the F(4×4) input transform of 8 tiles side by
// side (winograd4_amd64.s); tmp holds 240 floats.
//
//go:noescape
func winograd4Input8(x *float32, w int, v *float32, stride int, tmp *float32)

// winograd4Output8 computes the F(4×4) output transform of 8 tiles side
// by side, rows (1 to 4) output rows (winograd4_amd64.s); tmp holds 192
// floats.
//
//go:noescape
func winograd4Output8(m *float32, stride int, y *float32, ow int, bias float32, rows int, tmp *float32)
