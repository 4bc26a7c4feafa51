package op

import (
	"math/rand"
	"testing"
)

// TestIm2colCol2im checks im2col against its definition and col2im
// against its adjoint, computed element by element, for geometries that
// take the one-copy path ("same" padding, unit stride) and ones that do
// not.
func TestIm2colCol2im(t *testing.T) {
	cases := []struct {
		name            string
		c, h, w, kh, kw int
		p               ConvParams
	}{
		{"3x3 same", 2, 5, 6, 3, 3, ConvParams{PadH: 1, PadW: 1}},
		{"5x5 same (LeNet conv1)", 1, 7, 7, 5, 5, ConvParams{PadH: 2, PadW: 2}},
		{"3x3 dilated same", 2, 6, 5, 3, 3, ConvParams{PadH: 2, PadW: 2, DilationH: 2, DilationW: 2}},
		{"1x3 same, 3x1 taller", 1, 4, 5, 3, 3, ConvParams{PadH: 0, PadW: 1}},
		{"3x3 no padding", 2, 6, 6, 3, 3, ConvParams{}},
		{"3x3 stride 2", 2, 7, 6, 3, 3, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
		{"2x3 over-padded", 1, 3, 4, 2, 3, ConvParams{PadH: 2, PadW: 3}},
	}
	rng := rand.New(rand.NewSource(5))
	for _, tc := range cases {
		g := newConvGeom(tc.c, tc.h, tc.w, 1, tc.kh, tc.kw, tc.p)
		x := make([]float64, g.chw)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		// at returns the input index read by column row (c,i,j) at output
		// (oy,ox), or -1 for padding.
		at := func(c, i, j, oy, ox int) int {
			iy, ix := oy*g.sh-g.ph+i*g.dh, ox*g.sw-g.pw+j*g.dw
			if iy < 0 || iy >= g.h || ix < 0 || ix >= g.w {
				return -1
			}
			return (c*g.h+iy)*g.w + ix
		}
		cols := make([]float64, g.ckk*g.ohw)
		for i := range cols {
			cols[i] = 99 // im2col must write every entry
		}
		im2col(&g, x, cols)
		dcols := make([]float64, len(cols))
		for i := range dcols {
			dcols[i] = rng.NormFloat64()
		}
		want := make([]float64, g.chw)
		e := 0
		for c := range g.c {
			for i := range g.kh {
				for j := range g.kw {
					for oy := range g.oh {
						for ox := range g.ow {
							v := 0.0
							if src := at(c, i, j, oy, ox); src >= 0 {
								v = x[src]
								want[src] += dcols[e]
							}
							if cols[e] != v {
								t.Fatalf("%s (flat path %t): im2col entry (%d,%d,%d) at (%d,%d) = %g, want %g", tc.name, g.flat(), c, i, j, oy, ox, cols[e], v)
							}
							e++
						}
					}
				}
			}
		}
		dx := make([]float64, g.chw)
		for i := range dx {
			dx[i] = 99 // col2im must overwrite
		}
		col2im(&g, dcols, dx)
		for i := range dx {
			if d := dx[i] - want[i]; d > 1e-12 || d < -1e-12 {
				t.Fatalf("%s (flat path %t): col2im dx[%d] = %g, want %g", tc.name, g.flat(), i, dx[i], want[i])
			}
		}
	}
}
