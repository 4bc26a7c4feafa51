package op

import (
	"fmt"
	"math"
	"sync"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"
	"github.com/convzoo/convzoo/graph/op/internal/vec"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MaxPool2d is PyTorch's F.max_pool2d over x (N,C,H,W): padding counts as
// -inf, NaN propagates, and the backward pass routes each upstream
// gradient to the argmax of its window (the first maximum on ties, like
// PyTorch), using the indices kept from the forward pass. It allocates
// nothing per step once its buffers exist.
func MaxPool2d(x *G.Node, p PoolParams) (*G.Node, error) {
	p, g, err := poolSetup("MaxPool2d", x, p)
	if err != nil {
		return nil, err
	}
	k := &maxPoolKernel{id: nextID(), p: p, g: g}
	return apply(k, k.name(), x)
}

// maxPoolKernel keeps the flat argmax index of every output element for
// the backward pass.
type maxPoolKernel struct {
	id  int64
	p   PoolParams
	g   *poolGeom
	idx []int32
	// differentiated: the gradient was asked for (grad), so the forward
	// keeps idx; without it (evaluation graphs) a float32 2×2 pooling
	// computes the values alone (maxPool2x2Values).
	differentiated bool
	// the current call, split over planes by gemm.ParallelFor
	x, out *tensor.Dense
	wg     sync.WaitGroup
}

func (k *maxPoolKernel) name() string  { return fmt.Sprintf("MaxPool2d(%v)#%d", k.p, k.id) }
func (k *maxPoolKernel) inDims() []int { return []int{4} }

func (k *maxPoolKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 || !k.g.sameInput(in[0]) {
		return nil, errors.Errorf("%s: got inputs %v, want one of shape %v", k.name(), in,
			tensor.Shape{k.g.n, k.g.c, k.g.h, k.g.w})
	}
	return k.g.outShape(), nil
}

func (k *maxPoolKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	if _, err := k.outShape([]tensor.Shape{in[0].Shape()}); err != nil {
		return err
	}
	if dt := in[0].Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return errors.Errorf("%s: unsupported dtype %v (want float32 or float64)", k.name(), dt)
	}
	n := out.Shape().TotalSize()
	if !k.valuesOnly(in[0].Dtype()) && cap(k.idx) < n {
		k.idx = make([]int32, n)
	}
	k.idx = k.idx[:min(n, cap(k.idx))]
	k.x, k.out = in[0], out
	// Planes are independent: split them over the workers when there is
	// enough work to pay for the hand-off.
	planes := k.g.planes()
	if n < 1<<14 {
		k.RunRange(0, 0, planes)
	} else {
		gemm.ParallelFor(k, planes, &k.wg)
	}
	k.x, k.out = nil, nil
	return nil
}

func (k *maxPoolKernel) RunRange(_, lo, hi int) {
	if k.x.Dtype() == tensor.Float32 {
		maxPoolForward(k, elems[float32](k.x), elems[float32](k.out), lo, hi)
	} else {
		maxPoolForward(k, elems[float64](k.x), elems[float64](k.out), lo, hi)
	}
}

// maxPoolForward pools planes [lo, hi) of x.
func maxPoolForward[T float](k *maxPoolKernel, x, out []T, lo, hi int) {
	g, p := k.g, k.p
	if k.is2x2() {
		if x32, ok := any(x).([]float32); ok {
			if k.valuesOnly(tensor.Float32) {
				maxPool2x2Values(g, x32, any(out).([]float32), lo, hi, nil)
				return
			}
			maxPool2x2F32(g, x32, any(out).([]float32), k.idx, lo, hi)
			return
		}
		maxPool2x2(g, x, out, k.idx, lo, hi)
		return
	}
	maxPoolAny(g, p.KW, p.SW, x, out, k.idx, lo, hi)
}

// is2x2 reports whether k is a 2×2, stride-2 pooling without padding
// whose windows all lie in the input.
func (k *maxPoolKernel) is2x2() bool {
	g, p := k.g, k.p
	return p.KH == 2 && p.KW == 2 && p.SH == 2 && p.SW == 2 && p.PH == 0 && p.PW == 0 &&
		2*len(g.rows.lo) <= g.h && 2*len(g.cols.lo) <= g.w
}

// valuesOnly reports whether the forward of dtype dt skips the argmax
// indices: a float32 2×2 pooling that is not differentiated.
func (k *maxPoolKernel) valuesOnly(dt tensor.Dtype) bool {
	return !k.differentiated && dt == tensor.Float32 && k.is2x2()
}

// maxPool2x2Values is maxPool2x2F32 without the indices: the maximum of
// each window by Go's max (+0 for a window of -0 and +0, where the
// indexed paths take the first; the NaN 0x7fc00000, nanF32, if the
// window holds one, as vec's kernels: Go's max on amd64 returns a NaN
// whose payload depends on the other values, so without that a window
// would pool to different bits by vec's path and by the Go loop), over
// planes [lo, hi). rowMax is scratch for planes whose rows have fewer
// than 8 windows (see maxPoolRowMax); nil or short: they take the Go
// loop.
func maxPool2x2Values(g *poolGeom, x, out []float32, lo, hi int, rowMax []float32) {
	h, w := g.h, g.w
	oh, ow := len(g.rows.lo), len(g.cols.lo)
	hw, ohw := h*w, oh*ow
	// Rows of fewer than 8 windows (LeNet-5's pool2: 5) go to vec a
	// plane at a time: the rows' maxima into rowMax, then the pairs of
	// consecutive values of all of it (an even width keeps the pairs
	// inside the rows).
	narrow := maxPoolVec && ow < 8 && w == 2*ow && oh*w <= len(rowMax) && ohw >= 8
	for p := lo; p < hi; p++ {
		xp := x[p*hw : (p+1)*hw]
		op := out[p*ohw : (p+1)*ohw]
		if narrow && vec.MaxRowPairs(rowMax[:oh*w], xp, w, oh) {
			vec.MaxPool2x2Values(op, rowMax[:oh*w], rowMax[:oh*w])
			continue
		}
		for i := range oh {
			pair := xp[2*i*w : 2*i*w+2*w]
			top, bot := pair[:w], pair[w:]
			orow := op[i*ow : i*ow+ow]
			j := 0
			if maxPoolVec {
				j = vec.MaxPool2x2Values(orow, top, bot)
			}
			for ; j < len(orow); j++ {
				t := top[2*j : 2*j+2 : 2*j+2]
				u := bot[2*j : 2*j+2 : 2*j+2]
				m := max(t[0], t[1], u[0], u[1])
				if m != m {
					m = nanF32
				}
				orow[j] = m
			}
		}
	}
}

// nanF32 is the NaN that vec's kernels return for Go's max of a NaN.
var nanF32 = math.Float32frombits(0x7fc00000)

// maxPoolRowMax is the length of maxPool2x2Values' rowMax for g: a
// plane's rows' maxima.
func maxPoolRowMax(g *poolGeom) int { return len(g.rows.lo) * g.w }

// orderKey maps a float32 to an integer ordered like the float, with -0
// and +0 equal; a NaN gets some key (the callers handle NaNs apart). The
// keys span 2³², so their differences need 64 bits (int is 32 on 386).
func orderKey(v float32) int64 {
	b := int32(math.Float32bits(v))
	k := b ^ ((b >> 31) & 0x7fffffff) // negative floats: reverse the order
	return int64(k) - int64(k>>31)    // -0 (key -1) joins +0 (key 0)
}

// maxPool2x2F32 is maxPool2x2 for float32 without data-dependent
// branches: on activations the comparisons of a window are coin flips,
// and the mispredictions cost more than the arithmetic. It compares
// integer keys (orderKey) with sign masks; a window holding a NaN (its
// sum is NaN) takes the branchy reference path, so the results are
// maxPool2x2's to the bit.
func maxPool2x2F32(g *poolGeom, x, out []float32, idx []int32, lo, hi int) {
	h, w := g.h, g.w
	oh, ow := len(g.rows.lo), len(g.cols.lo)
	hw, ohw := h*w, oh*ow
	for p := lo; p < hi; p++ {
		base := p * hw
		xp := x[base : base+hw]
		op := out[p*ohw : (p+1)*ohw]
		ip := idx[p*ohw : (p+1)*ohw]
		for i := range oh {
			r0 := 2 * i * w
			pair := xp[r0 : r0+2*w]
			top, bot := pair[:w], pair[w:]
			orow := op[i*ow : i*ow+ow]
			irow := ip[i*ow : i*ow+ow]
			rb := base + r0
			// vec's AVX2 kernel takes the windows eight at a time.
			for j := vec.MaxPool2x2(orow, irow, top, bot, rb, w); j < len(orow); j++ {
				c := 2 * j
				t := top[c : c+2 : c+2]
				u := bot[c : c+2 : c+2]
				a, b, cc, d := t[0], t[1], u[0], u[1]
				ka, kb, kc, kd := orderKey(a), orderKey(b), orderKey(cc), orderKey(d)
				// m is -1 where the right/lower candidate is strictly
				// greater (the first maximum wins ties).
				m1 := (ka - kb) >> 63
				tk, to := ka+(kb-ka)&m1, c-int(m1)
				m2 := (kc - kd) >> 63
				bk, bo := kc+(kd-kc)&m2, w+c-int(m2)
				to += (bo - to) & int((tk-bk)>>63)
				v := pair[to]
				if s := a + b + cc + d; s != s {
					v, to = max2x2(a, b, cc, d, c, w)
				}
				orow[j] = v
				irow[j] = int32(rb + to)
			}
		}
	}
}

// max2x2 is the reference maximum of the window a b / c d whose top-left
// element is at offset c0 of rows of width w: the first maximum, or the
// last NaN, as in PyTorch.
func max2x2[T float](a, b, c, d T, c0, w int) (T, int) {
	best, bi := a, c0
	if b > best || b != b {
		best, bi = b, c0+1
	}
	if c > best || c != c {
		best, bi = c, w+c0
	}
	if d > best || d != d {
		best, bi = d, w+c0+1
	}
	return best, bi
}

// maxPool2x2 is the LeNet/VGG case: 2x2 windows, stride 2, all inside x.
func maxPool2x2[T float](g *poolGeom, x, out []T, idx []int32, lo, hi int) {
	h, w := g.h, g.w
	oh, ow := len(g.rows.lo), len(g.cols.lo)
	hw, ohw := h*w, oh*ow
	for p := lo; p < hi; p++ {
		base := p * hw
		xp := x[base : base+hw]
		op := out[p*ohw : (p+1)*ohw]
		ip := idx[p*ohw : (p+1)*ohw]
		for i := range oh {
			top := xp[2*i*w : 2*i*w+w]
			bot := xp[2*i*w+w : 2*i*w+2*w]
			orow := op[i*ow : i*ow+ow]
			irow := ip[i*ow : i*ow+ow]
			rb := int32(base + 2*i*w)
			for j := range orow {
				c := 2 * j
				best, bi := top[c], int32(c)
				if v := top[c+1]; v > best || v != v {
					best, bi = v, int32(c+1)
				}
				if v := bot[c]; v > best || v != v {
					best, bi = v, int32(w+c)
				}
				if v := bot[c+1]; v > best || v != v {
					best, bi = v, int32(w+c+1)
				}
				orow[j] = best
				irow[j] = rb + bi
			}
		}
	}
}

// maxPoolVec: maxPoolAny takes vec.MaxPool, maxPool2x2Values
// vec.MaxPool2x2Values; tests turn it off to check and time the Go code
// alone.
var maxPoolVec = true

// maxPoolAny handles any windows kw wide at column stride s, clipped to
// x by the geometry: the float32 windows that are not clipped at the
// left or right go to vec.MaxPool eight at a time (strides 1 and 2: the
// 3x3 kernels of AlexNet, GoogLeNet, ResNet), maxPoolWindows does the
// rest.
func maxPoolAny[T float](g *poolGeom, kw, s int, x, out []T, idx []int32, lo, hi int) {
	hw, ow := g.h*g.w, len(g.cols.lo)
	ohw := len(g.rows.lo) * ow
	jlo, jhi := g.fullCols(kw, s)
	x32, _ := any(x).([]float32)
	out32, _ := any(out).([]float32)
	for p := lo; p < hi; p++ {
		base := p * hw
		xp := x[base : base+hw]
		op := out[p*ohw : (p+1)*ohw]
		ip := idx[p*ohw : (p+1)*ohw]
		for i, r0 := range g.rows.lo {
			orow, irow := op[i*ow:][:ow], ip[i*ow:][:ow]
			vhi := jlo // vec did windows [jlo, vhi)
			if x32 != nil && jlo < jhi && maxPoolVec {
				o := p*ohw + i*ow
				vhi += vec.MaxPool(out32[o+jlo:o+jhi], irow[jlo:jhi], x32[base:base+hw],
					r0*g.w+g.cols.lo[jlo], g.w, g.rows.hi[i]-r0, kw, s, base)
			}
			maxPoolWindows(g, xp, orow, irow, base, i, 0, jlo)
			maxPoolWindows(g, xp, orow, irow, base, i, vhi, ow)
		}
	}
}

// maxPoolWindows pools windows [jlo, jhi) of output row i of the plane
// xp, which starts at base in x, into orow and irow. Rows of three are
// unrolled. Starting from the window's first element gives PyTorch's
// index for a window of -inf.
func maxPoolWindows[T float](g *poolGeom, xp, orow []T, irow []int32, base, i, jlo, jhi int) {
	w := g.w
	r0, end := g.rows.lo[i], g.rows.hi[i]*w
	for j := jlo; j < jhi; j++ {
		c0 := g.cols.lo[j]
		width := g.cols.hi[j] - c0
		k0 := r0*w + c0
		best, bi := xp[k0], k0
		if width == 3 {
			for k := k0; k < end; k += w {
				row := xp[k : k+3]
				if v := row[0]; v > best || v != v {
					best, bi = v, k
				}
				if v := row[1]; v > best || v != v {
					best, bi = v, k+1
				}
				if v := row[2]; v > best || v != v {
					best, bi = v, k+2
				}
			}
		} else {
			for k := k0; k < end; k += w {
				for c, v := range xp[k : k+width] {
					if v > best || v != v {
						best, bi = v, k+c
					}
				}
			}
		}
		orow[j] = best
		irow[j] = int32(base + bi)
	}
}

func (k *maxPoolKernel) diffWRT() []bool { return []bool{true} }

func (k *maxPoolKernel) grad(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	k.differentiated = true
	return single(&maxPoolGrad{fw: k}, grad)
}

// maxPoolGrad scatters dy to the argmax indices of its forward kernel,
// plane by plane (a plane's indices all point into its own input plane),
// split over the worker pool when there is enough work.
type maxPoolGrad struct {
	fw *maxPoolKernel
	// the current call, for RunRange
	dy, out *tensor.Dense
	wg      sync.WaitGroup
}

func (k *maxPoolGrad) name() string  { return k.fw.name() + "Grad" }
func (k *maxPoolGrad) inDims() []int { return []int{4} }

func (k *maxPoolGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	return k.fw.g.gradShape(k.name(), in)
}

func (k *maxPoolGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	if n := in[0].Shape().TotalSize(); n != len(k.fw.idx) {
		return errors.Errorf("%s: gradient of %d elements, %d argmax indices (forward not run?)", k.name(), n, len(k.fw.idx))
	}
	k.dy, k.out = in[0], out
	defer func() { k.dy, k.out = nil, nil }()
	planes := k.fw.g.planes()
	return splitFloat(in[0], k, planes, out.Len(), &k.wg)
}

// RunRange scatters planes [lo, hi).
func (k *maxPoolGrad) RunRange(_, lo, hi int) {
	g := k.fw.g
	ohw, hw := len(g.rows.lo)*len(g.cols.lo), g.h*g.w
	idx := k.fw.idx[lo*ohw : hi*ohw]
	if k.out.Dtype() == tensor.Float32 {
		scatterArgmax(idx, elems[float32](k.dy)[lo*ohw:], elems[float32](k.out), lo*hw, hi*hw)
	} else {
		scatterArgmax(idx, elems[float64](k.dy)[lo*ohw:], elems[float64](k.out), lo*hw, hi*hw)
	}
}

// scatterArgmax sets dx[lo:hi] = 0, then dx[idx[o]] += dy[o]; every
// index lies in [lo, hi).
func scatterArgmax[T float](idx []int32, dy, dx []T, lo, hi int) {
	clear(dx[lo:hi])
	dy = dy[:len(idx)]
	for o, i := range idx {
		dx[i] += dy[o]
	}
}
