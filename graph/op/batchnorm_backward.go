package op

import (
	"sync"

	"github.com/convzoo/convzoo/graph/op/internal/vec"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// The backward pass of BatchNorm is three kernels sharing the statistics
// saved by the forward kernel of the same step:
//
//	bnParamGrad (x, dy) -> dgamma = sum(dy*xhat); it also keeps sum(dy)
//	bnBetaGrad (dgamma) -> dbeta = sum(dy)
//	bnXGrad (x, dy, dgamma) -> dx
//
// where xhat = (x-mean)*invstd and sums run over all but the channel axis.
// dgamma is an input of the other two only to order them after it.
// In training, with M elements per channel and scale = gamma*invstd,
//
//	dx = scale * (dy - dbeta/M - xhat*dgamma/M)
//
// (the terms from the batch mean and variance); in evaluation dx = scale*dy.

type bnParamGrad struct {
	fw *bnKernel
	// sumD and sumDX: sum(dy) and sum(dy*(x-mean)) per channel.
	sumD, sumDX []float64
	// The current call's tensors, for RunRange.
	x, dy, out *tensor.Dense
	wg         sync.WaitGroup
}

func (k *bnParamGrad) name() string  { return k.fw.name() + ".dgamma" }
func (k *bnParamGrad) inDims() []int { return []int{k.fw.dims, k.fw.dims} }
func (k *bnParamGrad) outDims() int  { return 1 }

func (k *bnParamGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 || !in[0].Eq(in[1]) || len(in[0]) != k.fw.dims || in[0][1] != k.fw.c {
		return nil, errors.Errorf("%s: inputs %v, want x and dy of one shape with %d channels", k.name(), in, k.fw.c)
	}
	return tensor.Shape{k.fw.c}, nil
}

func (k *bnParamGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	if k.sumD == nil {
		k.sumD, k.sumDX = make([]float64, k.fw.c), make([]float64, k.fw.c)
	}
	if k.fw.mean == nil {
		return errors.Errorf("%s: the forward pass has not run", k.name())
	}
	k.x, k.dy, k.out = in[0], in[1], out
	defer func() { k.x, k.dy, k.out = nil, nil, nil }()
	return splitFloat(in[0], k, k.fw.c, 2*in[0].Len(), &k.wg)
}

// RunRange computes channels [lo, hi).
func (k *bnParamGrad) RunRange(_, lo, hi int) {
	if k.x.Dtype() == tensor.Float32 {
		bnParamBackward[float32](k, lo, hi)
	} else {
		bnParamBackward[float64](k, lo, hi)
	}
}

func bnParamBackward[T float](k *bnParamGrad, lo, hi int) {
	x, dy, dg := elems[T](k.x), elems[T](k.dy), elems[T](k.out)
	n, hw := k.fw.layout(k.x)
	c := k.fw.c
	for ch := lo; ch < hi; ch++ {
		mc, sumD, sumDX := k.fw.mean[ch], 0.0, 0.0
		for i := 0; i < n; i++ {
			off := (i*c + ch) * hw
			s, sx := vec.SumDyDev(x[off:off+hw], dy[off:off+hw], mc)
			sumD += s
			sumDX += sx
		}
		k.sumD[ch], k.sumDX[ch] = sumD, sumDX
		dg[ch] = T(sumDX * k.fw.invstd[ch])
	}
}

// bnBetaGrad copies sum(dy), computed by bnParamGrad, into its output.
type bnBetaGrad struct{ g *bnParamGrad }

func (k *bnBetaGrad) name() string  { return k.g.fw.name() + ".dbeta" }
func (k *bnBetaGrad) inDims() []int { return []int{1} }

func (k *bnBetaGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 || !isVec(in[0], k.g.fw.c) {
		return nil, errors.Errorf("%s: input %v, want (%d)", k.name(), in, k.g.fw.c)
	}
	return in[0].Clone(), nil
}

func (k *bnBetaGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	return dispatch(in[0],
		func() error { copyTo(elems[float32](out), k.g.sumD); return nil },
		func() error { copyTo(elems[float64](out), k.g.sumD); return nil })
}

func copyTo[T float](dst []T, src []float64) {
	for i, v := range src {
		dst[i] = T(v)
	}
}

// bnXGrad computes dx from (x, dy, dgamma).
type bnXGrad struct {
	g *bnParamGrad
	// The current call's tensors, for RunRange.
	x, dy, out *tensor.Dense
	wg         sync.WaitGroup
}

func (k *bnXGrad) name() string { return k.g.fw.name() + ".dx" }
func (k *bnXGrad) inDims() []int {
	d := k.g.fw.dims
	return []int{d, d, 1}
}

func (k *bnXGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, errors.Errorf("%s: got %d inputs, want 3", k.name(), len(in))
	}
	if _, err := k.g.outShape(in[:2]); err != nil {
		return nil, err
	}
	return in[0].Clone(), nil
}

func (k *bnXGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	k.x, k.dy, k.out = in[0], in[1], out
	defer func() { k.x, k.dy, k.out = nil, nil, nil }()
	return splitFloat(in[0], k, k.g.fw.c, 3*in[0].Len(), &k.wg)
}

// RunRange computes channels [lo, hi).
func (k *bnXGrad) RunRange(_, lo, hi int) {
	if k.x.Dtype() == tensor.Float32 {
		bnXBackward[float32](k, lo, hi)
	} else {
		bnXBackward[float64](k, lo, hi)
	}
}

func bnXBackward[T float](k *bnXGrad, lo, hi int) {
	fw := k.g.fw
	x, dy, dx := elems[T](k.x), elems[T](k.dy), elems[T](k.out)
	n, hw := fw.layout(k.x)
	m := float64(n * hw)
	for ch := lo; ch < hi; ch++ {
		sc := fw.scale[ch]
		// dx = a*dy + b*(x-mean) + c0, per channel.
		a, b, c0 := sc, 0.0, 0.0
		if fw.p.Training {
			// xhat*dgamma = (x-mean)*invstd^2*sumDX.
			b = -sc * fw.invstd[ch] * fw.invstd[ch] * k.g.sumDX[ch] / m
			c0 = -sc * k.g.sumD[ch] / m
		}
		for i := 0; i < n; i++ {
			off := (i*fw.c + ch) * hw
			vec.LinComb(dx[off:off+hw], dy[off:off+hw], x[off:off+hw], T(a), T(b), T(fw.mean[ch]), T(c0))
		}
	}
}
