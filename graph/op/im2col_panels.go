package op

import (
	"math"
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
// masks live in fixed arrays; the zoo's largest kernel is AlexNet's 11),
// and a sample's offsets are int32.
const maxPanelTaps = 16

// panelsFit reports whether im2colPanels can build g's columns.
func (g *convGeom) panelsFit() bool {
	return g.kh <= maxPanelTaps && g.kw <= maxPanelTaps && g.chw <= math.MaxInt32
}

func (s *im2colPanels) PackPanels(dst []float32, p0, kc, j0, nc int) {
	const w = gemm.PanelWidth
	// The rows' offsets in x and kernel taps, the same for every panel,
	// in chunks of panelRows.
	var rows panelRowTable
	for r0 := 0; r0 < kc; r0 += panelRows {
		n := min(panelRows, kc-r0)
		rows.fill(s.g, p0+r0, n)
		for t := 0; t*w < nc; t++ {
			q0 := j0 + t*w
			im2colPanel(s.g, s.x, dst[t*kc*w+r0*w:][:n*w], &rows, n, q0, min(w, j0+nc-q0))
		}
	}
}

// panelRows is the chunk of rows a panelRowTable describes: the GEMM's
// blocks of the inner dimension (256) take one.
const panelRows = 256

// panelRowTable holds, for rows p0 .. p0+n of the columns, row (c, i, j)'s
// offset in the sample, c·H·W + i·dh·W + j·dw, and its tap i·KW + j.
type panelRowTable struct {
	off [panelRows]int32
	tap [panelRows]uint8
}

func (rt *panelRowTable) fill(g *convGeom, p0, n int) {
	taps := g.kh * g.kw
	c, i, j := p0/taps, p0%taps/g.kw, p0%g.kw
	for r := range n {
		rt.off[r] = int32(c*g.h*g.w + i*g.dh*g.w + j*g.dw)
		rt.tap[r] = uint8(i*g.kw + j)
		if j++; j == g.kw {
			if j, i = 0, i+1; i == g.kh {
				i, c = 0, c+1
			}
		}
	}
}

// im2colPanel writes rows (those of rt) of output columns [q0, q0+cnt) of
// the columns into panel, PanelWidth values a row, columns past cnt 0.
//
// Column t of the panel reads, for a row, the input at off[t] + the
// row's offset when the tap falls inside the image (bit t of the tap's
// mask), else 0. Where the offsets of the columns are evenly spaced by
// the stride (the panel within one output row, or, for unit stride, the
// output as wide as the input), a row is one strided read, with the
// padding columns zeroed afterwards; else it is gathered.
func im2colPanel(g *convGeom, x, panel []float32, rt *panelRowTable, n, q0, cnt int) {
	const w = gemm.PanelWidth
	var off, iy0, ix0 [w]int
	oy, ox := q0/g.ow, q0%g.ow
	even := cnt == w
	for t := range cnt {
		iy0[t], ix0[t] = oy*g.sh-g.ph, ox*g.sw-g.pw
		off[t] = iy0[t]*g.w + ix0[t]
		if t > 0 && off[t] != off[t-1]+g.sw {
			even = false
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
	var tapOK [maxPanelTaps * maxPanelTaps]uint16
	for i := range g.kh {
		for j := range g.kw {
			tapOK[i*g.kw+j] = rowOK[i] & colOK[j]
		}
	}
	all := uint16(1<<cnt - 1)
	span := (w-1)*g.sw + 1 // the input a strided row reads
	for r := range n {
		d := int(rt.off[r])
		ok := tapOK[rt.tap[r]]
		dp := (*[w]float32)(panel[r*w:][:w])
		switch s := off[0] + d; {
		case even && (ok == all || s >= 0 && s+span <= len(x)):
			// The padding columns read the neighbouring input row (or
			// channel): zero them after.
			if g.sw == 1 {
				v := *(*[w]float32)(x[s:][:w]) // through a value: no memmove call
				*dp = v
			} else {
				src := x[s:][:span]
				for t := range dp {
					dp[t] = src[t*g.sw]
				}
			}
			for z := all &^ ok; z != 0; z &= z - 1 {
				dp[bits.TrailingZeros16(z)] = 0
			}
		case ok == 1<<w-1: // no padding: gathered without the mask
			for t := range dp {
				dp[t] = x[off[t]+d]
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
	}
}
