package op

import (
	"strings"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// pool2x2 are the parameters of the pooling FuseConvPool merges: 2×2
// windows at stride 2, no padding, floor mode.
var pool2x2 = PoolParams{KH: 2, KW: 2, SH: 2, SW: 2}

// CanFuseConvPool reports whether FuseConvPool(y, p) accepts y and p: p
// is a 2×2, stride-2 pooling without padding or ceil mode, and y is the
// float32 output of Conv2d, or of FuseConv with a ReLU at most, whose
// convolution the direct kernel takes (useDirect: LeNet-5's two).
func CanFuseConvPool(y *G.Node, p PoolParams) bool {
	if y == nil || p != pool2x2 || y.Dtype() != tensor.Float32 || len(y.Shape()) != 4 {
		return false
	}
	o, ok := y.Op().(*customOp)
	if !ok {
		return false
	}
	var c *convKernel
	switch k := o.k.(type) {
	case *convKernel:
		c = k
	case *convFusedKernel:
		if k.bn != nil || k.residual {
			return false
		}
		c = &k.conv
	default:
		return false
	}
	in := children(y)
	probe := &convKernel{p: c.p}
	if _, g, err := probe.geom(in[0].Shape(), in[1].Shape()); err == nil {
		probe.g = g
	}
	return probe.g.oh >= 2 && probe.g.ow >= 2 && probe.useDirect()
}

// FuseConvPool returns one node that computes MaxPool2d(y, p) over y's
// own inputs, for y and p that CanFuseConvPool accepts: each sample's
// convolution output (with its bias and ReLU) is computed into a
// per-worker buffer and pooled from there while in cache, instead of
// the batch's whole output going to memory and back between the two
// ops (LeNet-5 at batch 1000: 18.8 MB after conv1). The pooling computes
// the values alone (maxPool2x2Values). y is left in the graph, as with
// FuseConv. The fused node has no gradient: it is for evaluation graphs.
func FuseConvPool(y *G.Node, p PoolParams) (*G.Node, error) {
	if !CanFuseConvPool(y, p) {
		return nil, errors.Errorf("FuseConvPool: %v with pooling %+v is not a float32 direct convolution (with a bias and a ReLU at most) and a 2x2 stride-2 pooling", y, p)
	}
	k := &convPoolKernel{}
	switch c := y.Op().(*customOp).k.(type) {
	case *convKernel:
		k.f = convFusedKernel{conv: convKernel{p: c.p}, bias: c.bias}
		k.conv2d = &convKernel{p: c.p, bias: c.bias}
	case *convFusedKernel:
		k.f = convFusedKernel{conv: convKernel{p: c.conv.p}, bias: c.bias, relu: c.relu}
	}
	inputs := children(y)
	if _, err := k.outShape(shapesOf(inputs)); err != nil {
		return nil, err
	}
	return apply(k, k.name(), inputs...)
}

// convPoolKernel is a convolution, its bias and ReLU, and a 2×2 max
// pooling. Inputs: x, w, then the bias (O) if f.bias.
type convPoolKernel struct {
	f convFusedKernel // the convolution with its bias and ReLU
	// pg is the pooling of one sample's convolution output, made on the
	// first call (and for a new shape).
	pg *poolGeom
	// tmp holds the whole convolution output where the direct kernel
	// does not run (tests turn it off): the separate ops' path.
	tmp *tensor.Dense
	// conv2d: where y was Conv2d's, that convolution, which computes
	// tmp: it adds its bias in the product, f's epilogue after it (the
	// sums' zeros may differ in sign); nil where y was FuseConv's.
	conv2d *convKernel
}

// name is the fused convolution's name with "+maxpool2x2" before the
// closing parenthesis.
func (k *convPoolKernel) name() string {
	return strings.TrimSuffix(k.f.name(), ")") + "+maxpool2x2)"
}

func (k *convPoolKernel) inDims() []int { return k.f.inDims() }

func (k *convPoolKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	s, err := k.f.outShape(in)
	if err != nil {
		return nil, err
	}
	if s[2] < 2 || s[3] < 2 {
		return nil, errors.Errorf("%s: convolution output %v too small for 2x2 pooling", k.name(), s)
	}
	return tensor.Shape{s[0], s[1], s[2] / 2, s[3] / 2}, nil
}

func (k *convPoolKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	if out.Dtype() != tensor.Float32 {
		return errors.Errorf("%s: output of %v, want float32", k.name(), out.Dtype())
	}
	var b *tensor.Dense
	if k.f.bias {
		b = in[2]
	}
	c := &k.f.conv
	n, g, err := c.geom(in[0].Shape(), in[1].Shape())
	if err != nil {
		return err
	}
	if k.pg == nil || !k.pg.sameInput(tensor.Shape{1, g.outC, g.oh, g.ow}) {
		if k.pg, err = stridedGeom(k.name(), tensor.Shape{1, g.outC, g.oh, g.ow}, pool2x2); err != nil {
			return err
		}
	}
	if done, err := c.forwardDirectFused(in[:2], out, b, k.f.relu, k.pg); done || err != nil {
		return err
	}
	s := tensor.Shape{n, g.outC, g.oh, g.ow}
	if k.tmp == nil || !k.tmp.Shape().Eq(s) {
		k.tmp = tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s...))
	}
	fw := k.f.forward
	if k.conv2d != nil {
		fw = k.conv2d.forward
	}
	if err := fw(in, k.tmp); err != nil {
		return err
	}
	maxPool2x2Values(k.pg, elems[float32](k.tmp), elems[float32](out), 0, n*g.outC, nil)
	return nil
}
