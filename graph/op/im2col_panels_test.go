package op

import (
	"math"
	"math/rand"
	"testing"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"
)

// TestIm2colPanels: the columns written straight into packed panels
// equal im2col's columns (tested against their definition) laid out as
// the GEMM packs them, for whole matrices and random blocks of rows and
// columns (panels crossing output rows, partial last panels), on
// geometries that take the one-copy path (unit stride, output as wide
// as the input or panels within one output row) and the gather path
// (strides, dilation, padding wider than the kernel reach, outputs
// narrower than a panel); strided ones also from the sample split by
// phase (splitPhases, into a buffer of NaN: no value the split leaves
// may reach a panel).
func TestIm2colPanels(t *testing.T) {
	cases := []struct {
		name            string
		c, h, w, kh, kw int
		p               ConvParams
	}{
		{"3x3 same, 20 wide", 3, 9, 20, 3, 3, ConvParams{PadH: 1, PadW: 1}},
		{"3x3 same, 16 wide", 2, 5, 16, 3, 3, ConvParams{PadH: 1, PadW: 1}},
		{"3x3 same, 7 wide", 4, 7, 7, 3, 3, ConvParams{PadH: 1, PadW: 1}},
		{"5x5 same", 2, 18, 19, 5, 5, ConvParams{PadH: 2, PadW: 2}},
		{"3x3 valid, 40 wide", 2, 6, 40, 3, 3, ConvParams{}},
		{"3x3 stride 2", 3, 21, 34, 3, 3, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
		{"7x7 stride 2 pad 3", 3, 40, 38, 7, 7, ConvParams{StrideH: 2, StrideW: 2, PadH: 3, PadW: 3}},
		{"1x1 stride 2", 5, 14, 40, 1, 1, ConvParams{StrideH: 2, StrideW: 2}},
		{"3x3 dilation 2", 2, 12, 33, 3, 3, ConvParams{PadH: 2, PadW: 2, DilationH: 2, DilationW: 2}},
		{"2x3 over-padded", 2, 3, 18, 2, 3, ConvParams{PadH: 2, PadW: 3}},
		{"11x11 stride 4", 2, 47, 47, 11, 11, ConvParams{StrideH: 4, StrideW: 4, PadH: 2, PadW: 2}},
		{"3x1 stride 1,3", 2, 10, 50, 3, 1, ConvParams{StrideW: 3, PadH: 1}},
		{"3x3 stride 2, odd width", 2, 9, 35, 3, 3, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
		{"3x3 stride 2, odd width, no padding", 2, 7, 37, 3, 3, ConvParams{StrideH: 2, StrideW: 2}},
		{"3x3 stride 2, padding past the panel", 2, 5, 33, 3, 3, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 40}},
		{"4x4 stride 3, odd width, dilation 2", 2, 11, 53, 4, 4, ConvParams{StrideH: 3, StrideW: 3, PadH: 2, PadW: 5, DilationH: 2, DilationW: 2}},
	}
	rng := rand.New(rand.NewSource(9))
	for _, tc := range cases {
		g := newConvGeom(tc.c, tc.h, tc.w, 1, tc.kh, tc.kw, tc.p)
		x := make([]float32, g.chw)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		cols := make([]float32, g.ckk*g.ohw)
		im2col(&g, x, cols)
		srcs := []*im2colPanels{{g: &g, x: x}}
		if g.sw > 1 {
			split := make([]float32, g.splitSize())
			for i := range split {
				split[i] = float32(math.NaN())
			}
			splitPhases(&g, x, split, 0, g.c*g.h)
			srcs = append(srcs, &im2colPanels{g: &g, x: x, split: split})
		}
		blocks := [][4]int{{0, g.ckk, 0, g.ohw}}
		for range 20 {
			p0, j0 := rng.Intn(g.ckk), rng.Intn(g.ohw)
			blocks = append(blocks, [4]int{p0, 1 + rng.Intn(g.ckk-p0), j0, 1 + rng.Intn(g.ohw-j0)})
		}
		for _, b := range blocks {
			for _, src := range srcs {
				checkPanels(t, tc.name, &g, src, cols, b)
			}
		}
	}
}

// checkPanels checks the panels src packs for block b (rows p0, kc,
// columns j0, nc) against the columns cols.
func checkPanels(t *testing.T, name string, g *convGeom, src *im2colPanels, cols []float32, b [4]int) {
	t.Helper()
	const pw = gemm.PanelWidth
	p0, kc, j0, nc := b[0], b[1], b[2], b[3]
	panels := (nc + pw - 1) / pw
	dst := make([]float32, panels*kc*pw)
	for i := range dst {
		dst[i] = 99 // every entry must be written
	}
	src.PackPanels(dst, p0, kc, j0, nc)
	for q := range panels * pw {
		for r := range kc {
			var want float32
			if q < nc {
				want = cols[(p0+r)*g.ohw+j0+q]
			}
			if got := dst[q/pw*kc*pw+r*pw+q%pw]; got != want {
				t.Fatalf("%s (split %t), block rows %d+%d columns %d+%d: row %d column %d = %g, want %g",
					name, src.split != nil, p0, kc, j0, nc, p0+r, j0+q, got, want)
			}
		}
	}
}

// TestPanelsFitSplit: a strided sample whose offsets fit in an int32 but
// whose split (an odd width: one more value a row) does not is left to
// im2col (panelsFit), not read at wrapped offsets.
func TestPanelsFitSplit(t *testing.T) {
	// 1 × 65536 × 32767 values: 2³¹ − 65536; split, 65536 rows of 32768.
	g := newConvGeom(1, 1<<16, 1<<15-1, 8, 3, 3, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1})
	if !g.useSplit() || g.chw > math.MaxInt32 {
		t.Fatalf("geometry %+v: want a split sample that fits an int32 unsplit", g)
	}
	if g.panelsFit() {
		t.Errorf("panelsFit true for a split sample of %d values, over an int32", int64(g.c)*int64(g.h)*int64(g.sw)*int64(g.phaseWidth()))
	}
	if g := newConvGeom(3, 224, 225, 64, 7, 7, ConvParams{StrideH: 2, StrideW: 2, PadH: 3, PadW: 3}); !g.panelsFit() {
		t.Error("panelsFit false for ResNet's stem on an odd width")
	}
}
