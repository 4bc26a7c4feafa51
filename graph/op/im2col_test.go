package op

import (
	"math/rand"
	"slices"
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
		{"3x3 same, rows of 40 (the kernel's 32-wide rounds)", 2, 3, 40, 3, 3, ConvParams{PadH: 1, PadW: 1}},
		{"5x5 no padding, rows of 36", 1, 6, 40, 5, 5, ConvParams{}},
		{"7x7 stride 2, rows of 19 (ResNet conv1)", 2, 9, 37, 7, 7, ConvParams{StrideH: 2, StrideW: 2, PadH: 3, PadW: 3}},
		{"3x3 stride 2, rows of 8", 1, 5, 16, 3, 3, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
		{"1x1 stride 2", 3, 5, 11, 1, 1, ConvParams{StrideH: 2, StrideW: 2}},
		{"3x3 stride 3 width 1", 2, 7, 19, 3, 3, ConvParams{StrideH: 1, StrideW: 3, PadH: 1}},
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
		// A worker's share of the rows, from any row on, is the same.
		for _, r := range [][2]int{{0, g.ckk}, {1, g.ckk - 1}, {g.ckk / 2, g.ckk/2 + 1}, {g.ckk - 1, g.ckk}} {
			rows := make([]float64, (r[1]-r[0])*g.ohw)
			im2colRows(&g, x, rows, r[0], r[1])
			if !slices.Equal(rows, cols[r[0]*g.ohw:r[1]*g.ohw]) {
				t.Fatalf("%s: im2colRows(%d, %d) differs from im2col's rows", tc.name, r[0], r[1])
			}
		}
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
		// float32 takes vec.Add's kernel for its additions.
		dcols32, dx32 := make([]float32, len(dcols)), make([]float32, g.chw)
		for i, v := range dcols {
			dcols32[i] = float32(v)
		}
		col2im(&g, dcols32, dx32)
		for i := range dx32 {
			if d := float64(dx32[i]) - want[i]; d > 1e-5 || d < -1e-5 {
				t.Fatalf("%s (flat path %t): float32 col2im dx[%d] = %g, want %g", tc.name, g.flat(), i, dx32[i], want[i])
			}
		}
	}
}

// im2colBenchCases: ResNet-20's 3×3 "same" shapes (the one-copy path)
// and its strided one, LeNet-5's conv2 (row by row).
var im2colBenchCases = []struct {
	name            string
	c, h, w, kh, kw int
	p               ConvParams
}{
	{"resnet20-16x32x32-3x3", 16, 32, 32, 3, 3, ConvParams{PadH: 1, PadW: 1}},
	{"resnet20-32x16x16-3x3", 32, 16, 16, 3, 3, ConvParams{PadH: 1, PadW: 1}},
	{"resnet20-64x8x8-3x3", 64, 8, 8, 3, 3, ConvParams{PadH: 1, PadW: 1}},
	{"resnet20-16x32x32-3x3-stride2", 16, 32, 32, 3, 3, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
	{"lenet-conv2-6x14x14-5x5", 6, 14, 14, 5, 5, ConvParams{}},
}

// BenchmarkCol2im: one sample's col2im in float32 (im2colBenchCases).
func BenchmarkCol2im(b *testing.B) {
	for _, tc := range im2colBenchCases {
		g := newConvGeom(tc.c, tc.h, tc.w, 1, tc.kh, tc.kw, tc.p)
		cols, dx := make([]float32, g.ckk*g.ohw), make([]float32, g.chw)
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				col2im(&g, cols, dx)
			}
		})
	}
}

// BenchmarkIm2col: one sample's im2col in float32 (im2colBenchCases).
func BenchmarkIm2col(b *testing.B) {
	for _, tc := range im2colBenchCases {
		g := newConvGeom(tc.c, tc.h, tc.w, 1, tc.kh, tc.kw, tc.p)
		x, cols := make([]float32, g.chw), make([]float32, g.ckk*g.ohw)
		b.Run(tc.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				im2col(&g, x, cols)
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/1e3/float64(b.N), "cpu-us/op")
		})
	}
}
