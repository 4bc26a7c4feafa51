package op

import "github.com/convzoo/convzoo/graph/op/internal/vec"

// convGeom is the geometry of a 2-D convolution of one sample.
type convGeom struct {
	c, h, w       int // input channels and size
	kh, kw        int // kernel size
	sh, sw        int // strides
	ph, pw        int // padding
	dh, dw        int // dilation
	oh, ow        int // output size
	outC          int // output channels
	identity      bool
	ckk, ohw, chw int
}

// newConvGeom fills the output size; it is 0 where the kernel does not fit
// (the caller checks).
func newConvGeom(c, h, w, outC, kh, kw int, p ConvParams) convGeom {
	g := convGeom{c: c, h: h, w: w, outC: outC, kh: kh, kw: kw,
		sh: orOne(p.StrideH), sw: orOne(p.StrideW), ph: p.PadH, pw: p.PadW,
		dh: orOne(p.DilationH), dw: orOne(p.DilationW)}
	g.oh = OutSize(h, kh, g.sh, g.ph, g.dh, false)
	g.ow = OutSize(w, kw, g.sw, g.pw, g.dw, false)
	g.ckk, g.ohw, g.chw = c*kh*kw, g.oh*g.ow, c*h*w
	// A 1x1 kernel with unit stride and no padding: the columns are the
	// input itself.
	g.identity = kh == 1 && kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0
	return g
}

// span returns the output columns [lo, hi) whose input column
// ix0 + ox*stride lies inside [0, size).
func span(ix0, stride, size, out int) (lo, hi int) {
	if ix0 < 0 {
		lo = (-ix0 + stride - 1) / stride
	}
	hi = (size - ix0 + stride - 1) / stride
	hi = min(max(hi, 0), out)
	lo = min(lo, hi)
	return lo, hi
}

// im2col writes the columns of one sample x (C,H,W) into cols
// (C*KH*KW, OH*OW): row (c,i,j) holds, for each output pixel, the input
// value under kernel tap (i,j) of channel c, 0 in the padding.
func im2col[T float](g *convGeom, x, cols []T) { im2colChannels(g, x, cols, 0, g.c) }

// im2colChannels writes the rows of input channels [lo, hi).
func im2colChannels[T float](g *convGeom, x, cols []T, lo, hi int) {
	kk := g.kh * g.kw
	im2colRows(g, x, cols[lo*kk*g.ohw:], lo*kk, hi*kk)
}

// im2colRows writes rows [r0, r1) of the columns into rows, which holds
// them from row r0 on: a worker's share of the rows of the columns.
func im2colRows[T float](g *convGeom, x, rows []T, r0, r1 int) {
	hw := g.h * g.w
	for r := r0; r < r1; r++ {
		c, tap := r/(g.kh*g.kw), r%(g.kh*g.kw)
		i, j := tap/g.kw, tap%g.kw
		plane := x[c*hw : (c+1)*hw]
		row := rows[(r-r0)*g.ohw:][:g.ohw]
		ix0 := j*g.dw - g.pw
		lo, hi := span(ix0, g.sw, g.w, g.ow)
		if g.flat() {
			im2colFlat(g, plane, row, i, ix0, lo, hi)
			continue
		}
		for oy := 0; oy < g.oh; oy++ {
			dst := row[oy*g.ow : (oy+1)*g.ow]
			iy := oy*g.sh - g.ph + i*g.dh
			if iy < 0 || iy >= g.h {
				clear(dst)
				continue
			}
			src := plane[iy*g.w : (iy+1)*g.w]
			clearPadColumns(dst, g.ow, lo, hi) // loops: a call to clear costs more for 0 to 2 values
			gather(dst[lo:hi], src[min(ix0+lo*g.sw, len(src)):], g.sw)
		}
	}
}

// gather sets d[t] = s[t·stride] for t < len(d): a copy for stride 1,
// four values a step for stride 2 (ResNets' strided convolutions: about
// twice as fast as the plain loop, which re-read the stride from the
// geometry per value).
func gather[T float](d, s []T, stride int) {
	switch stride {
	case 1:
		copy(d, s)
		return
	case 2:
		for len(d) >= 4 && len(s) >= 8 {
			d[0], d[1], d[2], d[3] = s[0], s[2], s[4], s[6]
			d, s = d[4:], s[8:]
		}
	}
	for t := range d {
		d[t] = s[t*stride]
	}
}

// col2im is the adjoint of im2col: it sets dx (C,H,W) to the sum of the
// column entries that im2col read from each input element. It may zero
// the entries of cols that im2col sets to 0 (the padding).
func col2im[T float](g *convGeom, cols, dx []T) {
	clear(dx[:g.chw])
	hw := g.h * g.w
	for c := 0; c < g.c; c++ {
		plane := dx[c*hw : (c+1)*hw]
		for i := 0; i < g.kh; i++ {
			for j := 0; j < g.kw; j++ {
				row := cols[((c*g.kh+i)*g.kw+j)*g.ohw:][:g.ohw]
				ix0 := j*g.dw - g.pw
				lo, hi := span(ix0, g.sw, g.w, g.ow)
				if g.flat() {
					col2imFlat(g, row, plane, i, ix0, lo, hi)
					continue
				}
				iy0 := i*g.dh - g.ph
				oyLo, oyHi := span(iy0, g.sh, g.h, g.oh)
				if g.sw == 1 {
					// One call for the tap's rows (LeNet's conv2: ten
					// rows of ten).
					if lo < hi && oyLo < oyHi {
						iy := iy0 + oyLo*g.sh
						vec.AddRows(plane[iy*g.w+ix0+lo:], g.sh*g.w, row[oyLo*g.ow+lo:], g.ow, oyHi-oyLo, hi-lo)
					}
					continue
				}
				for oy := oyLo; oy < oyHi; oy++ {
					iy := iy0 + oy*g.sh
					src := row[oy*g.ow : (oy+1)*g.ow]
					dst := plane[iy*g.w : (iy+1)*g.w]
					for ox := lo; ox < hi; ox++ {
						dst[ix0+ox*g.sw] += src[ox]
					}
				}
			}
		}
	}
}

// flat reports whether the rows of im2col's output for one kernel tap
// are one contiguous stretch of the input plane, shifted: unit strides
// and an output as wide as the input ("same" padding, as in LeNet's
// conv1 and every 3×3 convolution of a ResNet block but the strided
// ones). Then a tap's whole column row is one copy instead of one per
// output row (each 10 to 56 values long), and only the padding columns
// are fixed afterwards.
func (g *convGeom) flat() bool { return g.sh == 1 && g.sw == 1 && g.ow == g.w }

// flatSpan returns, for kernel row i of a flat geometry, the output rows
// [oyLo, oyHi) that fall inside the input, and the offset in the plane
// of output element (oyLo, 0) for the column offset ix0.
func flatSpan(g *convGeom, i, ix0 int) (oyLo, oyHi, start int) {
	d := g.ph - i*g.dh // iy = oy - d
	oyLo = min(max(d, 0), g.oh)
	oyHi = min(max(g.h+d, oyLo), g.oh)
	return oyLo, oyHi, (oyLo-d)*g.w + ix0
}

func im2colFlat[T float](g *convGeom, plane, row []T, i, ix0, lo, hi int) {
	oyLo, oyHi, start := flatSpan(g, i, ix0)
	clear(row[:oyLo*g.ow])
	clear(row[oyHi*g.ow:])
	d := row[oyLo*g.ow : oyHi*g.ow]
	// The stretch may start before the plane or end after it by up to
	// the padding; those entries are padding columns, zeroed below.
	a, b := max(0, -start), len(d)-max(0, start+len(d)-len(plane))
	if a < b {
		copy(d[a:b], plane[start+a:start+b])
	}
	clearPadColumns(row[oyLo*g.ow:oyHi*g.ow], g.ow, lo, hi)
}

func col2imFlat[T float](g *convGeom, row, plane []T, i, ix0, lo, hi int) {
	oyLo, oyHi, start := flatSpan(g, i, ix0)
	// Padding entries would land on the neighbouring input row: zero
	// them, then add the whole stretch at once.
	clearPadColumns(row[oyLo*g.ow:oyHi*g.ow], g.ow, lo, hi)
	d := row[oyLo*g.ow : oyHi*g.ow]
	a, b := max(0, -start), len(d)-max(0, start+len(d)-len(plane))
	if a < b {
		p := plane[start+a : start+b]
		addSlices(p, d[a:b], p)
	}
}

// clearPadColumns zeroes columns [0, lo) and [hi, w) of the rows of r
// (row length w); a loop, as these are one or two values per row.
func clearPadColumns[T float](r []T, w, lo, hi int) {
	if lo == 0 && hi == w {
		return
	}
	if lo <= 1 && hi >= w-1 { // one column at most each side: a 3×3 kernel padded by 1
		for o := lo - 1; o >= 0 && o < len(r); o += w {
			r[o] = 0
		}
		for o := hi; hi < w && o < len(r); o += w {
			r[o] = 0
		}
		return
	}
	for o := 0; o < len(r); o += w {
		for x := o; x < o+lo; x++ {
			r[x] = 0
		}
		for x := o + hi; x < o+w; x++ {
			r[x] = 0
		}
	}
}

// im2colJob is im2col split over input channels for the worker pool:
// one sample's columns, when there is no batch to spread instead.
type im2colJob[T float] struct {
	g       *convGeom
	x, cols []T
}

func (j *im2colJob[T]) RunRange(_, lo, hi int) { im2colChannels(j.g, j.x, j.cols, lo, hi) }
