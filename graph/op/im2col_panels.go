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
	// split is x with the columns of each input row grouped by phase
	// (splitPhases), for a column stride over 1, or nil to read x: a
	// panel row within one output row, a strided read of x, is then 16
	// consecutive values (ResNet's 7×7 stride-2 stem: im2colPanel was 40%
	// of its time).
	split []float32
}

// phaseSlack is the values before and after a split sample: a panel row
// whose first or last columns fall in the padding reads up to a panel's
// width past the sample's ends.
const phaseSlack = gemm.PanelWidth

// phaseWidth is the values of one phase of a split input row, ⌈W/SW⌉.
func (g *convGeom) phaseWidth() int { return (g.w + g.sw - 1) / g.sw }

// splitSize is the length of a split sample: C·H rows of SW phases.
func (g *convGeom) splitSize() int { return g.c*g.h*g.sw*g.phaseWidth() + 2*phaseSlack }

// useSplit reports whether the panels read a split sample: strided, with
// output rows of at least a panel (a panel spread over several output
// rows is gathered from x).
func (g *convGeom) useSplit() bool { return g.sw > 1 && g.ow >= gemm.PanelWidth }

// splitPhases writes input rows [lo, hi) (of the C·H rows of x) into
// split: row r at phaseSlack + r·SW·P (P = phaseWidth), its column ix at
// (ix mod SW)·P + ix/SW, so that the columns a strided output row reads
// under one tap are consecutive. The values past a short phase are left
// as they were: no panel reads them unmasked.
func splitPhases(g *convGeom, x, split []float32, lo, hi int) {
	hw := g.phaseWidth()
	for r := lo; r < hi; r++ {
		src := x[r*g.w:][:g.w]
		row := split[phaseSlack+r*g.sw*hw:][:g.sw*hw]
		if g.sw == 2 {
			even, odd := row[:hw], row[hw:][:g.w/2]
			for k := range odd {
				even[k], odd[k] = src[2*k], src[2*k+1]
			}
			if g.w%2 == 1 {
				even[hw-1] = src[g.w-1]
			}
			continue
		}
		for ix, v := range src {
			row[ix%g.sw*hw+ix/g.sw] = v
		}
	}
}

// phaseSplitJob splits a sample's rows over the workers.
type phaseSplitJob struct {
	g        *convGeom
	x, split []float32
}

func (j *phaseSplitJob) RunRange(_, lo, hi int) { splitPhases(j.g, j.x, j.split, lo, hi) }

// maxPanelTaps bounds the kernel height and width im2colPanels takes (its
// masks live in fixed arrays; the zoo's largest kernel is AlexNet's 11),
// and a sample's offsets are int32.
const maxPanelTaps = 16

// panelsFit reports whether im2colPanels can build g's columns: its
// offsets in the sample, and in the split sample (useSplit: up to SW-1
// more values a row), fit in an int32.
func (g *convGeom) panelsFit() bool {
	split := int64(g.c) * int64(g.h) * int64(g.sw) * int64(g.phaseWidth())
	return g.kh <= maxPanelTaps && g.kw <= maxPanelTaps && g.chw <= math.MaxInt32 &&
		(!g.useSplit() || split+2*phaseSlack <= math.MaxInt32)
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
			im2colPanel(s.g, s.x, s.split, dst[t*kc*w+r0*w:][:n*w], &rows, n, q0, min(w, j0+nc-q0))
		}
	}
}

// panelRows is the chunk of rows a panelRowTable describes: the GEMM's
// blocks of the inner dimension (256) take one.
const panelRows = 256

// panelRowTable holds, for rows p0 .. p0+n of the columns, row (c, i, j)'s
// offset in the sample, c·H·W + i·dh·W + j·dw, its tap i·KW + j, and its
// offset in a split sample (splitPhases) less phaseSlack: with
// e = j·dw − pw, (c·H + i·dh)·SW·P + (e mod SW)·P + ⌊e/SW⌋, so that
// output pixel (oy, ox) reads it at phaseSlack + (oy·sh − ph)·SW·P + ox
// + that.
type panelRowTable struct {
	off  [panelRows]int32
	soff [panelRows]int32
	tap  [panelRows]uint8
}

func (rt *panelRowTable) fill(g *convGeom, p0, n int) {
	taps := g.kh * g.kw
	c, i, j := p0/taps, p0%taps/g.kw, p0%g.kw
	rw := g.sw * g.phaseWidth()
	for r := range n {
		rt.off[r] = int32(c*g.h*g.w + i*g.dh*g.w + j*g.dw)
		e := j*g.dw - g.pw
		q := (e%g.sw + g.sw) % g.sw
		rt.soff[r] = int32((c*g.h+i*g.dh)*rw + q*g.phaseWidth() + (e-q)/g.sw)
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
// padding columns zeroed afterwards, or one copy from split (when not
// nil: x split by splitPhases) for a stride over 1; else it is gathered.
func im2colPanel(g *convGeom, x, split, panel []float32, rt *panelRowTable, n, q0, cnt int) {
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
	// The split sample's offset of column 0 less the row's soff.
	sbase := phaseSlack + iy0[0]*g.sw*g.phaseWidth() + q0%g.ow
	for r := range n {
		d := int(rt.off[r])
		ok := tapOK[rt.tap[r]]
		dp := (*[w]float32)(panel[r*w:][:w])
		switch s := off[0] + d; {
		case even && split != nil && ok != 0:
			// A tap of a valid row: its 16 columns are consecutive in
			// split, and no further than a panel past either end.
			v := *(*[w]float32)(split[sbase+int(rt.soff[r]):][:w]) // through a value: no memmove call
			*dp = v
			for z := all &^ ok; z != 0; z &= z - 1 {
				dp[bits.TrailingZeros16(z)] = 0
			}
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
