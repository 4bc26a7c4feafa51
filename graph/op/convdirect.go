package op

import (
	"math"
	"unsafe"

	"gorgonia.org/tensor"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"
)

// The direct convolution: for float32 convolutions with few output
// channels (at most 16) whose columns would not be kept, such as
// LeNet-5's (6 and 16 channels of 5×5 taps), the output is computed
// straight from the input, without im2col's columns: a vector's lanes
// are the output channels, and each input value under a kernel tap is
// broadcast and multiplied by the tap's weights, for a block of
// consecutive output pixels of one row at a time (12 or 14 pixels of up
// to 8 channels, 5 or 6 of up to 16: directShapes; a row's last block
// overlaps the one before it rather than run past the row). At such channel counts the product
// of im2col + GEMM is too thin for the GEMM's micro-kernel, and im2col
// writes C·KH·KW values per output pixel for OutC multiply-adds each
// (LeNet-5's conv1: 25 values for 6): building the columns cost more
// than the product (38% against 37% of a batch-1000 LeNet-5 inference).
//
// Unit strides and dilations only; padding is applied by copying each
// sample into a padded buffer first. Kernels of at least 25 taps (5×5
// and larger, or 1×25, 3×9...): smaller ones with 16 channels go to
// Winograd, and the others have not been measured.

// directKernel computes out[o·ldo + p] = bias[o] + Σ_k w[k·lanes+o] ·
// x[offs[k]+p] for the kernel's pixels p and o < nout, over the pixels'
// and lanes' counts of its slot in directKernels, then max(·, 0) as Go's
// max where relu != 0 (a ReLU fused into the convolution), a NaN
// becoming nanF32.
type directKernel func(x *float32, offs *int32, nk int, w, bias, out *float32, ldo, nout, relu int)

//go:generate go run gen_convdirect.go

// directShapes are the lanes (output channels, padded) and pixels of
// the four kernels.
var directShapes = [4]struct{ lanes, px int }{{8, 12}, {8, 14}, {16, 5}, {16, 6}}

// directKernels are the assembly kernels where the CPU has AVX2 and FMA
// (convdirect_amd64.go), else the Go ones; tests swap them.
var directKernels = directGo

// directGo are the Go kernels, in directShapes' order.
var directGo = [4]directKernel{directConvGo8x12, directConvGo8x14, directConvGo16x5, directConvGo16x6}

// directSIMD: directKernels are the assembly ones.
var directSIMD bool

func directConvGo8x12(x *float32, offs *int32, nk int, w, bias, out *float32, ldo, nout, relu int) {
	directConvGo(8, 12, x, offs, nk, w, bias, out, ldo, nout, relu)
}

func directConvGo8x14(x *float32, offs *int32, nk int, w, bias, out *float32, ldo, nout, relu int) {
	directConvGo(8, 14, x, offs, nk, w, bias, out, ldo, nout, relu)
}

func directConvGo16x5(x *float32, offs *int32, nk int, w, bias, out *float32, ldo, nout, relu int) {
	directConvGo(16, 5, x, offs, nk, w, bias, out, ldo, nout, relu)
}

func directConvGo16x6(x *float32, offs *int32, nk int, w, bias, out *float32, ldo, nout, relu int) {
	directConvGo(16, 6, x, offs, nk, w, bias, out, ldo, nout, relu)
}

// directConvGo is the kernels' reference: px pixels of lanes channels.
func directConvGo(lanes, px int, x *float32, offs *int32, nk int, w, bias, out *float32, ldo, nout, relu int) {
	os := unsafe.Slice(offs, nk)
	ws := unsafe.Slice(w, nk*lanes)
	bs := unsafe.Slice(bias, lanes)
	var acc [8 * 14]float32 // the most lanes·px of directShapes
	for p := range px {
		copy(acc[p*lanes:][:lanes], bs)
	}
	for k, off := range os {
		xs := unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(x), 4*int(off))), px)
		wk := ws[k*lanes:][:lanes]
		for p, v := range xs {
			a := acc[p*lanes:][:lanes]
			for o, wv := range wk {
				a[o] += wv * v
			}
		}
	}
	os2 := unsafe.Slice(out, (nout-1)*ldo+px)
	for o := range nout {
		for p := range px {
			v := acc[p*lanes+o]
			if relu != 0 {
				if v = max(v, 0); v != v {
					v = nanF32 // the assembly's NaN, whatever the payload
				}
			}
			os2[o*ldo+p] = v
		}
	}
}

// directMinTaps: the direct convolution is used for kernels of at least
// this many taps (KH·KW).
const directMinTaps = 25

// directUse turns the direct convolution on; tests turn it off to
// compare with im2col + GEMM.
var directUse = true

// useDirect reports whether the float32 forward runs the direct
// convolution (see above).
func (k *convKernel) useDirect() bool {
	return !k.keep && directFits(&k.g)
}

// directFits reports whether the direct convolution computes the float32
// forward of g when no columns are kept.
func directFits(g *convGeom) bool {
	return directUse && !g.identity && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 &&
		g.kh*g.kw >= directMinTaps && directSlot(g) >= 0 &&
		int64(g.c)*int64(g.h+2*g.ph)*int64(g.w+2*g.pw) <= math.MaxInt32 // offs are int32
}

// directSlot is the kernel for g (its index in directShapes), -1 for
// none: the one with enough lanes for the output channels (at most 16)
// that computes the fewest values per output row (its blocks of px
// pixels cover the row, the last overlapping the one before it), on
// rows at least px wide.
func directSlot(g *convGeom) int {
	best, cost := -1, 0
	for i, sh := range directShapes {
		if g.outC > sh.lanes || g.ow < sh.px {
			continue
		}
		c := (g.ow + sh.px - 1) / sh.px * sh.px * sh.lanes
		if best < 0 || c < cost {
			best, cost = i, c
		}
	}
	return best
}

// directConv is the direct convolution's state: the weights packed tap
// by tap, the taps' offsets in a (padded) sample, and the current call.
type directConv struct {
	g    *convGeom
	slot int
	wp   []float32 // wp[k·lanes+o] = w[o][k], 0 for o >= outC
	bias []float32 // lanes values, 0 past outC or without a bias
	offs []int32   // tap k = (c,i,j): c·hp·wp + i·wp + j
	relu int       // 1: the output goes through a ReLU
	// pool: the 2×2 max pooling of one sample's output (its geometry),
	// computed into a buffer of bufs and pooled from there into out;
	// nil: none, the output goes straight to out.
	pool   *poolGeom
	bufs   [][]float32
	hp, wd int // the padded sample's height and width
	x, out []float32
	s      *scratch[float32]
	// one: the batch is one sample, padded into xp once, and the
	// workers split its output rows.
	one bool
	xp  []float32
}

// directForward runs the direct convolution of k's current call, with
// the bias b (nil: none), where relu a ReLU, and where pool is not nil,
// that 2×2 max pooling of each sample's output, k.out being the pooled
// output.
func (k *convKernel) directForward(b []float32, relu bool, pool *poolGeom) {
	g, d := &k.g, &k.direct
	d.g, d.slot, d.s = g, directSlot(g), &k.s32
	sh := directShapes[d.slot]
	d.hp, d.wd = g.h+2*g.ph, g.w+2*g.pw
	d.wp = resize(d.wp, g.ckk*sh.lanes)
	w := elems[float32](k.in[1])
	for kk := range g.ckk {
		row := d.wp[kk*sh.lanes:][:sh.lanes]
		for o := range row {
			row[o] = 0
			if o < g.outC {
				row[o] = w[o*g.ckk+kk]
			}
		}
	}
	d.bias = resize(d.bias, sh.lanes)
	clear(d.bias)
	copy(d.bias, b)
	d.relu = 0
	if relu {
		d.relu = 1
	}
	d.pool = pool
	for pool != nil && len(d.bufs) < gemm.MaxWorkers {
		d.bufs = append(d.bufs, nil)
	}
	d.offs = d.offs[:0]
	for c := range g.c {
		for i := range g.kh {
			for j := range g.kw {
				d.offs = append(d.offs, int32((c*d.hp+i)*d.wd+j))
			}
		}
	}
	d.x, d.out = elems[float32](k.in[0]), elems[float32](k.out)
	workers := gemm.Workers(k.n)
	k.s32.prepare(workers)
	d.one = k.n == 1 && gemm.MaxWorkers > 1
	if d.one {
		d.xp = d.padded(0, d.x)
		if pool != nil {
			d.buf(0) // sized here, before the workers read it
		}
		gemm.ParallelFor(d, g.oh, &k.wg)
		if pool != nil {
			o, rm := d.buf(0)
			maxPool2x2Values(pool, o, d.out, 0, g.outC, rm)
		}
	} else {
		gemm.ParallelFor(d, k.n, &k.wg)
	}
	d.x, d.out, d.xp = nil, nil, nil // drop the references to the tensors
}

// buf returns worker's buffer for one sample's output before pooling
// and the pooling's scratch (directForward makes the slots, before the
// workers start).
func (d *directConv) buf(worker int) (out, rowMax []float32) {
	size := d.g.outC * d.g.ohw
	d.bufs[worker] = resize(d.bufs[worker], size+maxPoolRowMax(d.pool))
	return d.bufs[worker][:size], d.bufs[worker][size:]
}

// forwardDirectFused runs the convolution of in (x, w) into out with
// the bias b (nil: none), where relu a ReLU, and where pool is not nil
// that pooling (see directForward), where the direct
// convolution takes it (float32, useDirect), and reports whether it did:
// a convolution fused with a bias and a ReLU alone (LeNet-5's) needs no
// pass over its output after the product.
func (k *convKernel) forwardDirectFused(in []*tensor.Dense, out, b *tensor.Dense, relu bool, pool *poolGeom) (bool, error) {
	if in[0].Dtype() != tensor.Float32 || out.Dtype() != tensor.Float32 || (b != nil && b.Dtype() != tensor.Float32) {
		return false, nil
	}
	n, g, err := k.geom(in[0].Shape(), in[1].Shape())
	if err != nil {
		return false, err
	}
	k.n, k.g, k.in, k.out = n, g, in, out
	if useWinograd(&k.g, n) || !k.useDirect() {
		return false, nil
	}
	var bias []float32
	if b != nil {
		bias = elems[float32](b)
	}
	k.directForward(bias, relu, pool)
	return true, nil
}

// resize returns s with length n, reallocated only if too short.
func resize(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// padded returns sample x (C,H,W) itself without padding, else a copy
// in worker's buffer with the padding's zeros around each plane.
func (d *directConv) padded(worker int, x []float32) []float32 {
	g := d.g
	if g.ph == 0 && g.pw == 0 {
		return x[:g.chw]
	}
	buf := d.s.get(worker, g.c*d.hp*d.wd)
	clear(buf)
	for c := range g.c {
		for y := range g.h {
			copy(buf[(c*d.hp+y+g.ph)*d.wd+g.pw:][:g.w], x[(c*g.h+y)*g.w:][:g.w])
		}
	}
	return buf
}

// RunRange computes samples [lo, hi), or output rows [lo, hi) of the
// single sample (one).
func (d *directConv) RunRange(worker, lo, hi int) {
	g := d.g
	size := g.outC * g.ohw
	if d.one {
		o := d.out
		if d.pool != nil {
			o = d.bufs[0] // sized by directForward
		}
		for oy := lo; oy < hi; oy++ {
			d.row(d.xp, o[:size], oy)
		}
		return
	}
	psize := size
	if d.pool != nil {
		psize = g.outC * len(d.pool.rows.lo) * len(d.pool.cols.lo)
	}
	for i := lo; i < hi; i++ {
		x := d.padded(worker, d.x[i*g.chw:])
		var o, rm []float32
		if d.pool != nil {
			o, rm = d.buf(worker)
		} else {
			o = d.out[i*size:][:size]
		}
		for oy := range g.oh {
			d.row(x, o, oy)
		}
		if d.pool != nil {
			maxPool2x2Values(d.pool, o, d.out[i*psize:][:psize], 0, g.outC, rm)
		}
	}
}

// row computes output row oy of sample x (padded) into o (OutC,OH,OW).
func (d *directConv) row(x, o []float32, oy int) {
	g := d.g
	px := directShapes[d.slot].px
	kern := directKernels[d.slot]
	_ = x[g.c*d.hp*d.wd-1] // the kernel reads up to the end of the last plane
	_ = o[(g.outC-1)*g.ohw+(oy+1)*g.ow-1]
	for ox := 0; ox < g.ow; ox += px {
		ox = min(ox, g.ow-px)
		kern(&x[oy*d.wd+ox], &d.offs[0], len(d.offs), &d.wp[0], &d.bias[0], &o[oy*g.ow+ox], g.ohw, g.outC, d.relu)
	}
}
