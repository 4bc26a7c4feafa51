package op

import (
	"fmt"
	"sync"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"
	"github.com/convzoo/convzoo/graph/op/internal/vec"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The backward pass of Conv2d is three kernels:
//
//	convWGrad (x, y, dy) -> dW = sum over n of dy[n] (O, OH·OW) × cols[n]ᵀ
//	convXGrad (w, dy)    -> dX[n] = col2im(Wᵀ (C·KH·KW, O) × dy[n]), or,
//	                        3×3 stride 1, a Winograd convolution of dy
//	                        (winograd_xgrad.go)
//	biasGrad (dy)        -> db = sum of dy over all axes but 1
//
// convWGrad reuses the columns the forward kernel kept (see keepCols)
// or rebuilds them; y is its input only to order it after the forward.
// Both GEMM kernels borrow the forward kernel's per-worker buffers: the
// kernels of one graph run one at a time.

func (k *convKernel) diffWRT() []bool {
	if k.bias {
		return []bool{true, true, true}
	}
	return []bool{true, true}
}

func (k *convKernel) grad(inputs G.Nodes, output, dy *G.Node) (G.Nodes, error) {
	xs, ws := inputs[0].Shape().Clone(), inputs[1].Shape().Clone()
	n, g, err := k.geom(xs, ws)
	if err != nil {
		return nil, err
	}
	k.keep = keepCols(n, g, inputs[0].Dtype())
	k.wino.differentiated()
	wk := &convWGrad{fw: k, wShape: ws}
	dw, err := apply(wk, wk.name(), inputs[0], output, dy)
	if err != nil {
		return nil, err
	}
	xk := &convXGrad{fw: k, xShape: xs, x: inputs[0]}
	dx, err := apply(xk, xk.name(), inputs[1], dy)
	if err != nil {
		return nil, err
	}
	if !k.bias {
		return G.Nodes{dx, dw}, nil
	}
	bk := &biasGrad{op: "Conv2d", dims: 4}
	db, err := apply(bk, bk.name(), dy)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw, db}, nil
}

// convWGrad computes dW. Where the float32 product runs on the
// micro-kernel (pickWGradMode), it computes dWᵀ = Σ_n cols[n] · dy[n]ᵀ,
// (C·KH·KW) × O, with dy[n]'s transpose packed into the kernel's panels
// (gemm.TransposedB), then transposes it into dW. The work is split over
// the workers by samples, each summing its own dWᵀ (added at the end),
// or, where the batch has few output pixels for the rows of the columns,
// by rows of dWᵀ — rows of the columns —, each worker
// summing its rows over the whole batch: no partial sums, but every
// worker packs all of dy. Otherwise it computes dW = Σ_n dy[n] ·
// cols[n]ᵀ split over the samples, workers past the first summing into
// part.
type convWGrad struct {
	fw      *convKernel
	wShape  tensor.Shape
	x, dy   *tensor.Dense
	out     *tensor.Dense
	workers int
	p32     scratch[float32]
	p64     scratch[float64]
	// mode: how this call splits the work; wt is dWᵀ (p32's first
	// buffer), tb each worker's dy[n] as the product's B.
	mode wgradMode
	wt   []float32
	tb   []gemm.TransposedB
	wg   sync.WaitGroup
}

// wgradMode is how convWGrad splits its work over the workers.
type wgradMode int

const (
	wgradSamples  wgradMode = iota // dW, by samples
	wgradSamplesT                  // dWᵀ on the micro-kernel, by samples
	wgradRowsT                     // dWᵀ on the micro-kernel, by rows of dWᵀ
)

func (k *convWGrad) name() string  { return k.fw.name() + ".dW" }
func (k *convWGrad) inDims() []int { return []int{4, 4, 4} }

func (k *convWGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 3 || !in[1].Eq(in[2]) || len(in[0]) != 4 {
		return nil, errors.Errorf("%s: inputs %v, want x, y and dy with y and dy of one shape", k.name(), in)
	}
	return k.wShape.Clone(), nil
}

// pickWGradMode returns the mode of a weight gradient of batch n,
// geometry g and element type dt, whose forward kept its columns or not
// (keep). dWᵀ on the micro-kernel takes float32 products of at least one
// tile (C·KH·KW ≥ 6 rows, O ≥ 16 columns): on the zoo's shapes it runs
// at 1.2 to 5 times the GFLOP/s of the dot kernel and of packing the
// columns' transpose (BenchmarkSgemmABt). It is split by rows where the
// columns are rebuilt (each worker builds only its rows of a sample's
// columns, in a buffer half as large: ResNet-18 b8 layer1 and layer2
// 0.8 and 0.9 times the CPU time split by samples, BenchmarkConvWGrad),
// where a worker's share of the batch's output pixels (n·OH·OW/workers:
// the dy it would pack, per output channel) is below the rows of the
// columns (C·KH·KW: the partial dWᵀ it would add), and where the batch
// is smaller than the workers; by samples otherwise (kept columns:
// ResNet-20 b64 stage 2 0.83 times the CPU time split by rows).
func pickWGradMode(n int, g *convGeom, dt tensor.Dtype, keep bool) wgradMode {
	w := gemm.Workers(n)
	switch {
	case dt != tensor.Float32 || !gemm.UsePanels(g.ckk, g.outC):
		return wgradSamples
	case !keep && !g.identity, n < gemm.MaxWorkers, n*g.ohw/w < g.ckk:
		return wgradRowsT
	}
	return wgradSamplesT
}

// wgradPick is pickWGradMode; tests and benchmarks replace it to force a
// mode.
var wgradPick = pickWGradMode

func (k *convWGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	k.x, k.dy, k.out = in[0], in[2], out
	g := &k.fw.g
	k.mode = wgradPick(k.fw.n, g, out.Dtype(), k.fw.keep)
	units := k.fw.n
	switch k.mode {
	case wgradSamples:
		k.workers = gemm.Workers(k.fw.n)
		return dispatch(out,
			func() error { return convWGradRun(k, &k.fw.s32, &k.p32) },
			func() error { return convWGradRun(k, &k.fw.s64, &k.p64) })
	case wgradRowsT:
		units = (g.ckk + gemm.TileRows - 1) / gemm.TileRows
	}
	k.workers = gemm.Workers(units)
	k.fw.s32.prepare(k.workers)
	k.p32.prepare(k.workers)
	k.wt = k.p32.get(0, g.ckk*g.outC)
	for len(k.tb) < k.workers {
		k.tb = append(k.tb, gemm.TransposedB{})
	}
	gemm.ParallelFor(k, units, &k.wg)
	if k.mode == wgradSamplesT {
		for w := 1; w < k.workers; w++ {
			vec.Add(k.wt, k.wt, k.p32.get(w, len(k.wt)))
		}
		gemm.Transpose(g.ckk, g.outC, k.wt, g.outC, elems[float32](out), g.ckk)
	}
	k.wt = nil
	clear(k.tb) // drop the references to the tensors
	return nil
}

func convWGradRun[T float](k *convWGrad, cols, part *scratch[T]) error {
	cols.prepare(k.workers)
	part.prepare(k.workers)
	gemm.ParallelFor(k, k.fw.n, &k.wg)
	out := elems[T](k.out)
	for w := 1; w < k.workers; w++ {
		vec.Add(out, out, part.get(w, len(out)))
	}
	return nil
}

// RunRange computes row tiles [lo, hi) of dWᵀ (wgradRowsT) or the
// partial sum of samples [lo, hi).
func (k *convWGrad) RunRange(worker, lo, hi int) {
	switch {
	case k.mode == wgradRowsT:
		k.rowsRange(worker, lo*gemm.TileRows, min(hi*gemm.TileRows, k.fw.g.ckk))
	case k.mode == wgradSamplesT:
		k.samplesRange(worker, lo, hi)
	case k.out.Dtype() == tensor.Float32:
		convWGradRange(k, &k.fw.s32, &k.p32, worker, lo, hi)
	default:
		convWGradRange(k, &k.fw.s64, &k.p64, worker, lo, hi)
	}
}

// rowsRange sums rows [r0, r1) of dWᵀ over the batch and writes them
// into columns [r0, r1) of dW.
func (k *convWGrad) rowsRange(worker, r0, r1 int) {
	g := &k.fw.g
	wt := k.wt[r0*g.outC:]
	for i := range k.fw.n {
		k.sampleT(worker, i, r0, r1, wt, min(1, float32(i)))
	}
	gemm.Transpose(r1-r0, g.outC, wt, g.outC, elems[float32](k.out)[r0:], g.ckk)
}

// samplesRange sums dWᵀ over samples [lo, hi) into worker's buffer (0
// when there are none).
func (k *convWGrad) samplesRange(worker, lo, hi int) {
	wt := k.wt
	if worker > 0 {
		wt = k.p32.get(worker, len(wt))
	}
	if lo == hi {
		clear(wt)
	}
	for i := lo; i < hi; i++ {
		k.sampleT(worker, i, 0, k.fw.g.ckk, wt, min(1, float32(i-lo)))
	}
}

// sampleT computes rows [r0, r1) of sample i's cols[i] · dy[i]ᵀ, plus
// beta times wt, into wt (those rows, O apart), from the kept columns or
// from those rows of the sample's columns built in worker's buffer.
func (k *convWGrad) sampleT(worker, i, r0, r1 int, wt []float32, beta float32) {
	fw, g := k.fw, &k.fw.g
	x := elems[float32](k.x)
	var a []float32
	switch {
	case g.identity:
		a = x[i*g.chw+r0*g.ohw:]
	case fw.keep:
		a = fw.s32.kept[(i*g.ckk+r0)*g.ohw:]
	default:
		a = fw.s32.get(worker, (r1-r0)*g.ohw)
		im2colRows(g, x[i*g.chw:][:g.chw], a, r0, r1)
	}
	size := g.outC * g.ohw
	tb := &k.tb[worker]
	*tb = gemm.TransposedB{X: elems[float32](k.dy)[i*size:][:size], LD: g.ohw}
	j := gemm.PanelJob{M: r1 - r0, N: g.outC, K: g.ohw, A: a, LDA: g.ohw, B: tb, Beta: beta, C: wt, LDC: g.outC}
	j.RunRange(worker, 0, j.Units())
}

func convWGradRange[T float](k *convWGrad, cols, part *scratch[T], worker, lo, hi int) {
	g := &k.fw.g
	acc := elems[T](k.out)
	if worker > 0 {
		acc = part.get(worker, len(acc))
	}
	if lo == hi {
		clear(acc)
		return
	}
	dy := elems[T](k.dy)
	size := g.outC * g.ohw
	for i := lo; i < hi; i++ {
		c := convCols(k.fw, cols, k.x, worker, i, false)
		var beta T
		if i > lo {
			beta = 1
		}
		gemm.Gemm(false, true, g.outC, g.ckk, g.ohw, dy[i*size:][:size], g.ohw, c, g.ohw, beta, acc, g.ckk)
	}
}

// convXGrad computes dX; it keeps its own geometry (from x's shape), so
// it does not depend on the forward kernel having run.
//
// Gorgonia's SymDiff builds the gradient of every input, and the
// TapeMachine runs every node, so without care dX of the first
// convolution — x being the data — costs a GEMM and a col2im per sample
// each step for nothing. Backpropagate sets x.Deriv() exactly on the nodes
// whose gradient it needs (the nodes asked for and the nodes between them
// and the cost); where x has none once the graph runs, nothing consumes
// dX, and the kernel skips the work, leaving its output unspecified. Asking
// for the gradient of x (saliency maps, gradient checks) still computes it.
type convXGrad struct {
	fw     *convKernel
	xShape tensor.Shape
	x      *G.Node
	g      convGeom
	w, dy  *tensor.Dense
	out    *tensor.Dense
	wg     sync.WaitGroup
	// pw: float32 Wᵀ packed once per call for the per-sample products.
	pw gemm.PackedA
	// wino: the Winograd path of float32 3×3 stride-1 data gradients
	// (winograd_xgrad.go), with the forward kernel's buffers lent.
	wino winograd
}

func (k *convXGrad) name() string  { return fmt.Sprintf("%s.dX%v", k.fw.name(), k.xShape) }
func (k *convXGrad) inDims() []int { return []int{4, 4} }

func (k *convXGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, errors.Errorf("%s: got %d inputs, want 2", k.name(), len(in))
	}
	n, g, err := k.fw.geom(k.xShape, in[0])
	if err != nil {
		return nil, err
	}
	if want := (tensor.Shape{n, g.outC, g.oh, g.ow}); !in[1].Eq(want) {
		return nil, errors.Errorf("%s: dy %v for w %v, want %v", k.name(), in[1], in[0], want)
	}
	return k.xShape.Clone(), nil
}

func (k *convXGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	_, g, err := k.fw.geom(k.xShape, in[0].Shape())
	if err != nil {
		return err
	}
	if k.x != nil && k.x.Deriv() == nil {
		return nil // dX is needed by nobody: see the type's comment
	}
	k.g, k.w, k.dy, k.out = g, in[0], in[1], out
	w := gemm.Workers(k.xShape[0])
	return dispatch(out,
		func() error {
			if gx, ok := useWinogradXGrad(&g, k.xShape[0]); ok {
				k.winogradXGrad(gx)
				return nil
			}
			k.fw.s32.prepare(w)
			k.pw.Pack(true, g.ckk, g.ohw, g.outC, elems[float32](in[0]), g.ckk)
			defer k.pw.Release()
			gemm.ParallelFor(k, k.xShape[0], &k.wg)
			return nil
		},
		func() error { k.fw.s64.prepare(w); gemm.ParallelFor(k, k.xShape[0], &k.wg); return nil })
}

func (k *convXGrad) RunRange(worker, lo, hi int) {
	if k.out.Dtype() == tensor.Float32 {
		convXGradRange(k, &k.fw.s32, worker, lo, hi)
	} else {
		convXGradRange(k, &k.fw.s64, worker, lo, hi)
	}
}

func convXGradRange[T float](k *convXGrad, s *scratch[T], worker, lo, hi int) {
	g := &k.g
	w, dy, dx := elems[T](k.w), elems[T](k.dy), elems[T](k.out)
	size := g.outC * g.ohw
	for i := lo; i < hi; i++ {
		dxi := dx[i*g.chw:][:g.chw]
		dcols := dxi
		if !g.identity {
			dcols = s.get(worker, g.ckk*g.ohw)
		}
		// dcols = Wᵀ·dy[i]
		if d32, ok := any(dcols).([]float32); ok {
			k.pw.Gemm(g.ohw, any(dy[i*size:][:size]).([]float32), g.ohw, 0, d32, g.ohw)
		} else {
			gemm.Gemm(true, false, g.ckk, g.ohw, g.outC, w, g.ckk, dy[i*size:][:size], g.ohw, 0, dcols, g.ohw)
		}
		if !g.identity {
			col2im(g, dcols, dxi)
		}
	}
}

// biasGrad sums dy, (N,O,...), over every axis but 1: the gradient of a
// bias added per channel (Conv2d) or per feature (Linear). Channels are
// split over the worker pool when dy is large.
type biasGrad struct {
	op   string
	dims int
	// The current call's tensors, for RunRange.
	dy, out *tensor.Dense
	wg      sync.WaitGroup
}

func (k *biasGrad) name() string  { return fmt.Sprintf("%s.db(%d-D)", k.op, k.dims) }
func (k *biasGrad) inDims() []int { return []int{k.dims} }
func (k *biasGrad) outDims() int  { return 1 }

func (k *biasGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 || len(in[0]) != k.dims {
		return nil, errors.Errorf("%s: inputs %v, want one %d-D dy", k.name(), in, k.dims)
	}
	return tensor.Shape{in[0][1]}, nil
}

func (k *biasGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	k.dy, k.out = in[0], out
	defer func() { k.dy, k.out = nil, nil }()
	c := in[0].Shape()[1]
	return splitFloat(out, k, c, in[0].Len(), &k.wg)
}

// RunRange sums channels [lo, hi).
func (k *biasGrad) RunRange(_, lo, hi int) {
	s := k.dy.Shape()
	n, c := s[0], s[1]
	rest := s.TotalSize() / max(1, n*c)
	if k.out.Dtype() == tensor.Float32 {
		biasSum(elems[float32](k.dy), elems[float32](k.out), n, c, rest, lo, hi)
	} else {
		biasSum(elems[float64](k.dy), elems[float64](k.out), n, c, rest, lo, hi)
	}
}

// biasSum sets db[j] for channels j in [lo, hi) to the sum of dy (n, c,
// rest) over n and rest, accumulated in float64.
func biasSum[T float](dy, db []T, n, c, rest, lo, hi int) {
	for j := lo; j < hi; j++ {
		s := 0.0
		for i := 0; i < n; i++ {
			if rest == 1 { // Linear: one value per sample
				s += float64(dy[i*c+j])
				continue
			}
			s += vec.Sum(dy[(i*c+j)*rest : (i*c+j+1)*rest])
		}
		db[j] = T(s)
	}
}
