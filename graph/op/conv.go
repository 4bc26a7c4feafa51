package op

import (
	"fmt"
	"github.com/convzoo/convzoo/graph/op/internal/gemm"
	"sync"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ConvParams configures Conv2d; zero strides and dilations mean 1, zero
// padding means none.
type ConvParams struct{ StrideH, StrideW, PadH, PadW, DilationH, DilationW int }

// Conv2d convolves x (N,C,H,W) with w (O,C,KH,KW) — PyTorch layout — and
// adds the bias b (O) when b is non-nil; the result is (N,O,OH,OW)
// written straight in NCHW.
//
// Each sample is one GEMM, W (O, C·KH·KW) × columns (C·KH·KW, OH·OW),
// whose result is that sample's NCHW output; samples are spread over
// the worker pool, and every buffer is reused from step to step.
func Conv2d(x, w, b *G.Node, p ConvParams) (*G.Node, error) {
	if x == nil || w == nil {
		return nil, errors.New("Conv2d: nil x or w")
	}
	in := []tensor.Shape{x.Shape(), w.Shape()}
	nodes := G.Nodes{x, w}
	if b != nil {
		in = append(in, b.Shape())
		nodes = append(nodes, b)
	}
	for _, v := range []int{p.StrideH, p.StrideW, p.PadH, p.PadW, p.DilationH, p.DilationW} {
		if v < 0 {
			return nil, errors.Errorf("Conv2d: negative parameter in %+v for x %v, w %v", p, in[0], in[1])
		}
	}
	k := &convKernel{p: p, bias: b != nil}
	if _, err := k.outShape(in); err != nil {
		return nil, err
	}
	return apply(k, k.name(), nodes...)
}

// convKernel is the forward convolution; its fields after p are scratch
// and the state of the current call.
type convKernel struct {
	p    ConvParams
	bias bool
	// keep: the gradient was asked for and the columns are kept (keepCols).
	keep bool
	g    convGeom
	n    int
	in   []*tensor.Dense
	out  *tensor.Dense
	s32  scratch[float32]
	s64  scratch[float64]
	wg   sync.WaitGroup
	// j32, j64, pj and jwg split one sample's GEMM over the workers
	// when the batch alone cannot keep them busy (batch 1).
	j32 gemm.Job[float32]
	j64 gemm.Job[float64]
	pj  gemm.PanelJob
	jwg sync.WaitGroup
	// pw: float32 weights packed once per call for the per-sample
	// products (batch > 1, without panels).
	pw gemm.PackedA
	// panels: the float32 products take their columns as packed panels
	// built from x (implicit GEMM, im2colPanels), one source per worker
	// in pan, instead of a columns matrix.
	panels bool
	pan    []im2colPanels
	// c32, c64 and cwg split one sample's im2col over the workers (batch 1),
	// ps its phase split for the panels (useSplit).
	c32 im2colJob[float32]
	c64 im2colJob[float64]
	ps  phaseSplitJob
	cwg sync.WaitGroup
	// wino: the Winograd forward of float32 3×3 convolutions (winograd.go).
	wino winograd
	// direct: the direct forward of thin float32 convolutions (convdirect.go).
	direct directConv
}

func (k *convKernel) name() string {
	return fmt.Sprintf("Conv2d(stride=%d,%d,pad=%d,%d,dilation=%d,%d,bias=%t)",
		orOne(k.p.StrideH), orOne(k.p.StrideW), k.p.PadH, k.p.PadW, orOne(k.p.DilationH), orOne(k.p.DilationW), k.bias)
}

func (k *convKernel) inDims() []int {
	if k.bias {
		return []int{4, 4, 1}
	}
	return []int{4, 4}
}

// geom checks x and w and returns the batch size and geometry.
func (k *convKernel) geom(x, w tensor.Shape) (int, convGeom, error) {
	if len(x) != 4 || len(w) != 4 {
		return 0, convGeom{}, errors.Errorf("Conv2d: x %v and w %v, want x (N,C,H,W) and w (O,C,KH,KW)", x, w)
	}
	if x[1] != w[1] {
		return 0, convGeom{}, errors.Errorf("Conv2d: x %v has %d channels but w %v expects %d", x, x[1], w, w[1])
	}
	g := newConvGeom(x[1], x[2], x[3], w[0], w[2], w[3], k.p)
	if g.oh <= 0 || g.ow <= 0 || x.TotalSize() == 0 || w.TotalSize() == 0 {
		return 0, convGeom{}, errors.Errorf("Conv2d: kernel of w %v (dilation %d,%d) does not fit x %v padded by %d,%d: output %dx%d",
			w, g.dh, g.dw, x, g.ph, g.pw, g.oh, g.ow)
	}
	return x[0], g, nil
}

func (k *convKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != len(k.inDims()) {
		return nil, errors.Errorf("Conv2d: got %d inputs, want %d", len(in), len(k.inDims()))
	}
	n, g, err := k.geom(in[0], in[1])
	if err != nil {
		return nil, err
	}
	if k.bias && !isVec(in[2], g.outC) {
		return nil, errors.Errorf("Conv2d: bias %v for w %v, want (%d)", in[2], in[1], g.outC)
	}
	return tensor.Shape{n, g.outC, g.oh, g.ow}, nil
}

func (k *convKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	n, g, err := k.geom(in[0].Shape(), in[1].Shape())
	if err != nil {
		return err
	}
	k.n, k.g, k.in, k.out = n, g, in, out
	w := gemm.Workers(n)
	return dispatch(in[0],
		func() error {
			if useWinograd(&k.g, n) && (!k.keep || winogradWithCols(&k.g)) {
				convPrepare(k, &k.s32, w) // the kept columns, which the Winograd pass fills
				k.winogradForward()
				return nil
			}
			if k.panels = false; k.useDirect() {
				var b []float32
				if k.bias {
					b = elems[float32](in[2])
				}
				k.directForward(b, false, nil)
				return nil
			}
			if k.panels = k.usePanels(); k.panels {
				for len(k.pan) < w {
					k.pan = append(k.pan, im2colPanels{})
				}
				k.s32.prepare(w) // the split samples (useSplit)
			} else {
				convPrepare(k, &k.s32, w)
				if n > 1 {
					k.pw.Pack(false, g.outC, g.ohw, g.ckk, elems[float32](in[1]), g.ckk)
					defer k.pw.Release()
				}
			}
			gemm.ParallelFor(k, n, &k.wg)
			return nil
		},
		func() error { k.panels = false; convPrepare(k, &k.s64, w); gemm.ParallelFor(k, n, &k.wg); return nil })
}

// panelsMinBytes: from this size of the columns (float32 bytes), a
// convolution whose product reads a stored columns matrix in place
// (gemm.PacksB false: few output channels) builds them as panels
// instead. Below it, im2col's long copies into a matrix that stays in
// the cache beat the panels' 16-value rows (ResNet-20 at 32², batch 64:
// 0.3 MB of columns a sample, 1.3 to 1.6 times the CPU time as panels);
// above it, the matrix goes to memory and back, and the panels are at
// par or better (BenchmarkConv2dZoo). Tests set it to 0.
var panelsMinBytes = 4 << 20

// usePanels reports whether the float32 products take their columns as
// packed panels (im2colPanels): where the product would pack a stored
// columns matrix anyway, or where that matrix would not stay in the
// cache; not for a 1×1 convolution, whose columns are the input itself
// or, strided, its subsample (C × OH·OW values, a quarter of the input
// at stride 2: im2col's pass is short, and the product packs them with
// whole 16-value rows instead of one strided gather a panel row;
// ResNet-50's three downsampling 1×1 convolutions at batch 1,
// convKernel.forward alone, medians of 25 alternated calls' CPU time:
// 4.47 -> 3.70, 3.24 -> 2.99, 3.76 -> 3.48 ms), nor where the columns
// are kept for the weight gradient, nor for products too thin for the
// micro-kernel.
func (k *convKernel) usePanels() bool {
	g := &k.g
	return (g.kh > 1 || g.kw > 1) && !k.keep && g.panelsFit() && gemm.UsePanels(g.outC, g.ohw) &&
		(gemm.PacksB(g.outC) || g.ckk*g.ohw*4 >= panelsMinBytes)
}

// convPrepare sizes the scratch: one column buffer per worker, or, when
// keeping the columns, one for the whole batch.
func convPrepare[T float](k *convKernel, s *scratch[T], workers int) {
	s.prepare(workers)
	if size := k.n * k.g.ckk * k.g.ohw; k.keep && !k.g.identity && len(s.kept) != size {
		s.kept = make([]T, size)
	}
}

// convCols returns the columns of sample i of x: the input itself for an
// identity geometry, the kept batch columns (rebuilt if build), or
// worker's buffer, always rebuilt.
func convCols[T float](k *convKernel, s *scratch[T], xt *tensor.Dense, worker, i int, build bool) []T {
	g := &k.g
	x := elems[T](xt)[i*g.chw:][:g.chw]
	if g.identity {
		return x
	}
	var cols []T
	if k.keep {
		cols = s.kept[i*g.ckk*g.ohw:][:g.ckk*g.ohw]
	} else {
		cols = s.get(worker, g.ckk*g.ohw)
		build = true
	}
	switch {
	case !build:
	case k.n == 1: // the pool is free: split the columns over it
		j, ok := any(&k.c32).(*im2colJob[T])
		if !ok {
			j = any(&k.c64).(*im2colJob[T])
		}
		*j = im2colJob[T]{g: g, x: x, cols: cols}
		split(j, g.c, len(cols), &k.cwg)
		*j = im2colJob[T]{} // drop the references to the tensors
	default:
		im2col(g, x, cols)
	}
	return cols
}

func (k *convKernel) RunRange(worker, lo, hi int) {
	if k.out.Dtype() == tensor.Float32 {
		convForward(k, &k.s32, worker, lo, hi)
	} else {
		convForward(k, &k.s64, worker, lo, hi)
	}
}

func convForward[T float](k *convKernel, s *scratch[T], worker, lo, hi int) {
	g := &k.g
	w, out := elems[T](k.in[1]), elems[T](k.out)
	var b []T
	if k.bias {
		b = elems[T](k.in[2])
	}
	size := g.outC * g.ohw
	for i := lo; i < hi; i++ {
		o := out[i*size:][:size]
		var beta T
		if b != nil {
			for c, v := range b {
				row := o[c*g.ohw : (c+1)*g.ohw]
				for t := range row {
					row[t] = v
				}
			}
			beta = 1
		}
		if k.panels {
			convPanels(k, worker, i, any(o).([]float32), float32(beta))
			continue
		}
		cols := convCols(k, s, k.in[0], worker, i, true)
		if c32, ok := any(cols).([]float32); ok && k.n > 1 {
			k.pw.Gemm(g.ohw, c32, g.ohw, float32(beta), any(o).([]float32), g.ohw)
			continue
		}
		if k.n > 1 || gemm.MaxWorkers == 1 {
			gemm.Gemm(false, false, g.outC, g.ohw, g.ckk, w, g.ckk, cols, g.ohw, beta, o, g.ohw)
			continue
		}
		// One sample, so gemm.ParallelFor ran it on this goroutine and the
		// pool is free: split the GEMM instead.
		j, ok := any(&k.j32).(*gemm.Job[T])
		if !ok {
			j = any(&k.j64).(*gemm.Job[T])
		}
		*j = gemm.Job[T]{M: g.outC, N: g.ohw, K: g.ckk, A: w, LDA: g.ckk, B: cols, LDB: g.ohw, Beta: beta, C: o, LDC: g.ohw}
		j.Run(&k.jwg)
		*j = gemm.Job[T]{} // drop the references to the tensors
	}
}

// convPanels computes sample i's output o (beta 1 to add to the bias
// already in o) with its columns built straight into the GEMM's panels;
// at batch 1 the product is split over the pool.
func convPanels(k *convKernel, worker, i int, o []float32, beta float32) {
	g := &k.g
	src := &k.pan[worker]
	*src = im2colPanels{g: g, x: elems[float32](k.in[0])[i*g.chw:][:g.chw]}
	defer func() { *src = im2colPanels{} }() // drop the references to the tensors
	if g.useSplit() {
		src.split = k.s32.get(worker, g.splitSize())
		if k.n == 1 { // the pool is free: split the rows over it
			k.ps = phaseSplitJob{g: g, x: src.x, split: src.split}
			split(&k.ps, g.c*g.h, g.chw, &k.cwg)
			k.ps = phaseSplitJob{}
		} else {
			splitPhases(g, src.x, src.split, 0, g.c*g.h)
		}
	}
	j := gemm.PanelJob{M: g.outC, N: g.ohw, K: g.ckk, A: elems[float32](k.in[1]), LDA: g.ckk, B: src, Beta: beta, C: o, LDC: g.ohw}
	if k.n > 1 || gemm.MaxWorkers == 1 {
		j.RunRange(worker, 0, j.Units())
		return
	}
	k.pj = j
	k.pj.Run(&k.jwg)
	k.pj = gemm.PanelJob{}
}
