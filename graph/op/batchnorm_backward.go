package op

import (
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
	return dispatch(in[0],
		func() error { bnParamBackward[float32](k, in[0], in[1], out); return nil },
		func() error { bnParamBackward[float64](k, in[0], in[1], out); return nil })
}

func bnParamBackward[T float](k *bnParamGrad, xt, dyt, out *tensor.Dense) {
	x, dy, dg := elems[T](xt), elems[T](dyt), elems[T](out)
	n, hw := k.fw.layout(xt)
	c := k.fw.c
	clear(k.sumD)
	clear(k.sumDX)
	for i := 0; i < n; i++ {
		for ch, mc := range k.fw.mean {
			off := (i*c + ch) * hw
			ds := dy[off : off+hw]
			s, sx := 0.0, 0.0
			for j, v := range x[off : off+hw] {
				d := float64(ds[j])
				s += d
				sx += d * (float64(v) - mc)
			}
			k.sumD[ch] += s
			k.sumDX[ch] += sx
		}
	}
	for ch := range dg {
		dg[ch] = T(k.sumDX[ch] * k.fw.invstd[ch])
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
type bnXGrad struct{ g *bnParamGrad }

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
	return dispatch(in[0],
		func() error { bnXBackward[float32](k, in[0], in[1], out); return nil },
		func() error { bnXBackward[float64](k, in[0], in[1], out); return nil })
}

func bnXBackward[T float](k *bnXGrad, xt, dyt, out *tensor.Dense) {
	fw := k.g.fw
	x, dy, dx := elems[T](xt), elems[T](dyt), elems[T](out)
	n, hw := fw.layout(xt)
	m := float64(n * hw)
	for i := 0; i < n; i++ {
		for ch, sc := range fw.scale {
			// dx = a*dy + b*(x-mean) + c0, per channel.
			a, b, c0, mc := T(sc), T(0), T(0), T(fw.mean[ch])
			if fw.p.Training {
				// xhat*dgamma = (x-mean)*invstd^2*sumDX.
				b = T(-sc * fw.invstd[ch] * fw.invstd[ch] * k.g.sumDX[ch] / m)
				c0 = T(-sc * k.g.sumD[ch] / m)
			}
			off := (i*fw.c + ch) * hw
			ds, os := dy[off:off+hw], dx[off:off+hw]
			for j, v := range x[off : off+hw] {
				os[j] = a*ds[j] + b*(v-mc) + c0
			}
		}
	}
}
