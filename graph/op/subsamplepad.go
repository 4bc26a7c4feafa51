package op

import (
	"fmt"
	"sync"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// SubsamplePad is the parameter-free shortcut of the CIFAR ResNets (He et
// al.'s option A) in one op: x (N,C,H,W) subsampled as x[:, :, ::s, ::s],
// with front zero channels before and back after, giving (N,
// front+C+back, ceil(H/s), ceil(W/s)). It replaces a 1x1 max pool of
// stride s and a concatenation with constant zeros: one pass forward and
// one back, no argmax indices. The gradient is dy's middle channels at
// the kept positions and 0 elsewhere.
func SubsamplePad(x *G.Node, stride, front, back int) (*G.Node, error) {
	if x == nil {
		return nil, errors.New("SubsamplePad: nil input")
	}
	if x.Dims() != 4 || stride < 1 || front < 0 || back < 0 {
		return nil, errors.Errorf("SubsamplePad: x %v, stride %d, channels %d before and %d after; want (N,C,H,W), stride >= 1 and counts >= 0",
			x.Shape(), stride, front, back)
	}
	k := &subsamplePad{s: stride, front: front, back: back}
	return apply(k, k.name(), x)
}

type subsamplePad struct {
	s, front, back int
	// The current call's tensors, for RunRange.
	x, out *tensor.Dense
	wg     sync.WaitGroup
}

func (k *subsamplePad) name() string {
	return fmt.Sprintf("SubsamplePad(stride %d, +%d+%d channels)", k.s, k.front, k.back)
}
func (k *subsamplePad) inDims() []int { return []int{4} }

func (k *subsamplePad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 || len(in[0]) != 4 {
		return nil, errors.Errorf("%s: inputs %v, want one (N,C,H,W)", k.name(), in)
	}
	s := in[0]
	return tensor.Shape{s[0], k.front + s[1] + k.back, (s[2]-1)/k.s + 1, (s[3]-1)/k.s + 1}, nil
}

func (k *subsamplePad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	k.x, k.out = in[0], out
	defer func() { k.x, k.out = nil, nil }()
	n := out.Shape()[0]
	return splitFloat(out, k, n, out.Len(), &k.wg)
}

// RunRange fills samples [lo, hi).
func (k *subsamplePad) RunRange(_, lo, hi int) {
	if k.out.Dtype() == tensor.Float32 {
		subsamplePadRange(k, elems[float32](k.x), elems[float32](k.out), lo, hi)
	} else {
		subsamplePadRange(k, elems[float64](k.x), elems[float64](k.out), lo, hi)
	}
}

func subsamplePadRange[T float](k *subsamplePad, x, out []T, lo, hi int) {
	xs, os := k.x.Shape(), k.out.Shape()
	c, h, w := xs[1], xs[2], xs[3]
	oc, oh, ow := os[1], os[2], os[3]
	hw, ohw := h*w, oh*ow
	for n := lo; n < hi; n++ {
		o := out[n*oc*ohw : (n+1)*oc*ohw]
		clear(o[:k.front*ohw])
		clear(o[(k.front+c)*ohw:])
		for ch := range c {
			src, dst := x[(n*c+ch)*hw:][:hw], o[(k.front+ch)*ohw:][:ohw]
			if k.s == 1 {
				copy(dst, src)
				continue
			}
			for oy := range oh {
				row, d := src[oy*k.s*w:][:w], dst[oy*ow:][:ow]
				for ox := range d {
					d[ox] = row[ox*k.s]
				}
			}
		}
	}
}

func (k *subsamplePad) diffWRT() []bool { return []bool{true} }

func (k *subsamplePad) grad(inputs G.Nodes, _, dy *G.Node) (G.Nodes, error) {
	return single(&subsamplePadGrad{fw: k, xShape: inputs[0].Shape().Clone()}, dy)
}

// subsamplePadGrad sets dx to dy's middle channels at the kept positions
// and 0 elsewhere. It keeps x's shape: ceil(H/s) does not tell H.
type subsamplePadGrad struct {
	fw      *subsamplePad
	xShape  tensor.Shape
	dy, out *tensor.Dense
	wg      sync.WaitGroup
}

func (k *subsamplePadGrad) name() string  { return fmt.Sprintf("%s.dx%v", k.fw.name(), k.xShape) }
func (k *subsamplePadGrad) inDims() []int { return []int{4} }

func (k *subsamplePadGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	want, err := k.fw.outShape([]tensor.Shape{k.xShape})
	if err != nil {
		return nil, err
	}
	if len(in) != 1 || !in[0].Eq(want) {
		return nil, errors.Errorf("%s: dy %v, want %v", k.name(), in, want)
	}
	return k.xShape.Clone(), nil
}

func (k *subsamplePadGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	k.dy, k.out = in[0], out
	defer func() { k.dy, k.out = nil, nil }()
	n := out.Shape()[0]
	return splitFloat(out, k, n, out.Len(), &k.wg)
}

// RunRange fills samples [lo, hi) of dx.
func (k *subsamplePadGrad) RunRange(_, lo, hi int) {
	if k.out.Dtype() == tensor.Float32 {
		subsamplePadBackward(k, elems[float32](k.dy), elems[float32](k.out), lo, hi)
	} else {
		subsamplePadBackward(k, elems[float64](k.dy), elems[float64](k.out), lo, hi)
	}
}

func subsamplePadBackward[T float](k *subsamplePadGrad, dy, dx []T, lo, hi int) {
	xs, os := k.xShape, k.dy.Shape()
	c, h, w := xs[1], xs[2], xs[3]
	oc, oh, ow := os[1], os[2], os[3]
	hw, ohw, s := h*w, oh*ow, k.fw.s
	for n := lo; n < hi; n++ {
		for ch := range c {
			src, dst := dy[(n*oc+k.fw.front+ch)*ohw:][:ohw], dx[(n*c+ch)*hw:][:hw]
			if s == 1 {
				copy(dst, src)
				continue
			}
			clear(dst)
			for oy := range oh {
				row, d := src[oy*ow:][:ow], dst[oy*s*w:][:w]
				for ox, v := range row {
					d[ox*s] = v
				}
			}
		}
	}
}
