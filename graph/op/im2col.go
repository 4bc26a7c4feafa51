package op

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

// newConvGeom fills the output size; it may be <= 0 (the caller checks).
func newConvGeom(c, h, w, outC, kh, kw int, p ConvParams) convGeom {
	g := convGeom{c: c, h: h, w: w, outC: outC, kh: kh, kw: kw,
		sh: orOne(p.StrideH), sw: orOne(p.StrideW), ph: p.PadH, pw: p.PadW,
		dh: orOne(p.DilationH), dw: orOne(p.DilationW)}
	g.oh = (h+2*g.ph-g.dh*(kh-1)-1)/g.sh + 1
	g.ow = (w+2*g.pw-g.dw*(kw-1)-1)/g.sw + 1
	g.ckk, g.ohw, g.chw = c*kh*kw, g.oh*g.ow, c*h*w
	// A 1x1 kernel with unit stride and no padding: the columns are the
	// input itself.
	g.identity = kh == 1 && kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0
	return g
}

func orOne(v int) int {
	if v == 0 {
		return 1
	}
	return v
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
func im2col[T float](g *convGeom, x, cols []T) {
	hw := g.h * g.w
	for c := 0; c < g.c; c++ {
		plane := x[c*hw : (c+1)*hw]
		for i := 0; i < g.kh; i++ {
			for j := 0; j < g.kw; j++ {
				row := cols[((c*g.kh+i)*g.kw+j)*g.ohw:][:g.ohw]
				ix0 := j*g.dw - g.pw
				lo, hi := span(ix0, g.sw, g.w, g.ow)
				for oy := 0; oy < g.oh; oy++ {
					dst := row[oy*g.ow : (oy+1)*g.ow]
					iy := oy*g.sh - g.ph + i*g.dh
					if iy < 0 || iy >= g.h {
						clear(dst)
						continue
					}
					src := plane[iy*g.w : (iy+1)*g.w]
					clear(dst[:lo])
					clear(dst[hi:])
					if g.sw == 1 {
						copy(dst[lo:hi], src[ix0+lo:ix0+hi])
						continue
					}
					for ox := lo; ox < hi; ox++ {
						dst[ox] = src[ix0+ox*g.sw]
					}
				}
			}
		}
	}
}

// col2im is the adjoint of im2col: it sets dx (C,H,W) to the sum of the
// column entries that im2col read from each input element.
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
				for oy := 0; oy < g.oh; oy++ {
					iy := oy*g.sh - g.ph + i*g.dh
					if iy < 0 || iy >= g.h {
						continue
					}
					src := row[oy*g.ow : (oy+1)*g.ow]
					dst := plane[iy*g.w : (iy+1)*g.w]
					if g.sw == 1 {
						d := dst[ix0+lo : ix0+hi]
						for t, v := range src[lo:hi] {
							d[t] += v
						}
						continue
					}
					for ox := lo; ox < hi; ox++ {
						dst[ix0+ox*g.sw] += src[ox]
					}
				}
			}
		}
	}
}
