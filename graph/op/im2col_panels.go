package op

import (
	"math/bits"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"
)

// im2colPanels is one float32 sample's im2col columns as gemm.Panels:
// the GEMM asks for them block by block, and they are written straight
// into its packed panels (an implicit GEMM). The columns matrix, up to
// C·KH·KW × OH·OW values (115 MB for VGG-16's second convolution), is
// never written whole, and the GEMM does not read and pack it again.
type im2colPanels struct {
	g *convGeom
	x []float32 // the sample (C,H,W)
}

// maxPanelTaps bounds the kernel height and width im2colPanels takes (its
// masks live in fixed arrays); the zoo's largest is AlexNet's 11.
const maxPanelTaps = 16

// panelsFit reports whether im2colPanels can build g's columns.
func (g *convGeom) panelsFit() bool { return g.kh <= maxPanelTaps && g.kw <= maxPanelTaps }

func (s *im2colPanels) PackPanels(dst []float32, p0, kc, j0, nc int) {
	const w = gemm.PanelWidth
	for t := 0; t*w < nc; t++ {
		q0 := j0 + t*w
		im2colPanel(s.g, s.x, dst[t*kc*w:][:kc*w], p0, kc, q0, min(w, j0+nc-q0))
	}
}

// im2colPanel writes rows [p0, p0+kc) of output columns [q0, q0+cnt) of
// the columns into panel, PanelWidth values a row, columns past cnt 0.
//
// Column x of the panel reads, for row p = (c, i, j), the input at
// off[x] + c·H·W + i·dh·W + j·dw when the tap falls inside the image
// (bit x of rowOK[i] & colOK[j]), else 0. Where the offsets of the
// columns are consecutive (unit stride, and the panel within one output
// row or the output as wide as the input), a row is one 16-value copy
// with the padding columns zeroed afterwards; else it is gathered.
func im2colPanel(g *convGeom, x, panel []float32, p0, kc, q0, cnt int) {
	const w = gemm.PanelWidth
	var off, iy0, ix0 [w]int
	oy, ox := q0/g.ow, q0%g.ow
	contiguous := cnt == w
	for t := range cnt {
		iy0[t], ix0[t] = oy*g.sh-g.ph, ox*g.sw-g.pw
		off[t] = iy0[t]*g.w + ix0[t]
		if t > 0 && off[t] != off[t-1]+1 {
			contiguous = false
		}
		if ox++; ox == g.ow {
			ox, oy = 0, oy+1
		}
	}
	var rowOK, colOK [maxPanelTaps]uint16
	for i := range g.kh {
		for t := range cnt {
			if iy := iy0[t] + i*g.dh; iy >= 0 && iy < g.h {
				rowOK[i] |= 1 << t
			}
		}
	}
	for j := range g.kw {
		for t := range cnt {
			if ix := ix0[t] + j*g.dw; ix >= 0 && ix < g.w {
				colOK[j] |= 1 << t
			}
		}
	}
	all := uint16(1<<cnt - 1)
	hw, taps := g.h*g.w, g.kh*g.kw
	c, i, j := p0/taps, p0%taps/g.kw, p0%g.kw
	for r := range kc {
		d := c*hw + i*g.dh*g.w + j*g.dw
		ok := rowOK[i] & colOK[j]
		dp := (*[w]float32)(panel[r*w:][:w])
		switch s := off[0] + d; {
		case contiguous && ok == all:
			*dp = *(*[w]float32)(x[s:][:w])
		case contiguous && s >= 0 && s+w <= len(x):
			// The padding columns read the neighbouring input row (or
			// channel): zero them.
			*dp = *(*[w]float32)(x[s:][:w])
			for z := ^ok; z != 0; z &= z - 1 {
				dp[bits.TrailingZeros16(z)] = 0
			}
		default:
			for t := range w {
				if ok>>t&1 != 0 {
					dp[t] = x[off[t]+d]
				} else {
					dp[t] = 0
				}
			}
		}
		if j++; j == g.kw {
			if j, i = 0, i+1; i == g.kh {
				i, c = 0, c+1
			}
		}
	}
}
