package op

import (
	"fmt"
	"sync"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Concat joins xs (N, C_i, ...) along the channel axis 1; every other size
// must agree. Unlike Gorgonia's Concat, which walks its operands with
// iterators and allocates its output each step, it copies each sample's
// channel block of each input into an output buffer reused from step to
// step. The gradient of input i is channels [C_0+...+C_{i-1}, +C_i) of
// dy, copied by a ChannelSlice kernel that skips the copy where nothing
// consumes it (a constant input, such as the zero channels of a ResNet's
// padding shortcut).
func Concat(xs ...*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, errors.New("Concat: no inputs")
	}
	for i, x := range xs {
		if x == nil {
			return nil, errors.Errorf("Concat: input %d is nil", i)
		}
	}
	k := &concatKernel{dims: xs[0].Dims(), n: len(xs)}
	shapes := make([]tensor.Shape, len(xs))
	for i, x := range xs {
		if x.Dtype() != xs[0].Dtype() {
			return nil, errors.Errorf("Concat: input %d of %v, input 0 of %v", i, x.Dtype(), xs[0].Dtype())
		}
		shapes[i] = x.Shape()
	}
	if _, err := k.outShape(shapes); err != nil {
		return nil, err
	}
	return apply(k, "Concat", xs...)
}

// channelGeom is the layout of a (N, C, rest...) tensor cut along axis 1:
// n samples of c channels of inner values each.
func channelGeom(s tensor.Shape) (n, c, inner int) {
	return s[0], s[1], s.TotalSize() / max(1, s[0]*s[1])
}

type concatKernel struct {
	dims, n int
	// The current call's tensors, for RunRange.
	in  []*tensor.Dense
	out *tensor.Dense
	wg  sync.WaitGroup
}

func (k *concatKernel) name() string { return fmt.Sprintf("Concat(%d×%d-D, axis 1)", k.n, k.dims) }

func (k *concatKernel) inDims() []int {
	d := make([]int, k.n)
	for i := range d {
		d[i] = k.dims
	}
	return d
}

func (k *concatKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != k.n || k.dims < 2 {
		return nil, errors.Errorf("%s: inputs %v, want %d of at least 2 dimensions", k.name(), in, k.n)
	}
	out := in[0].Clone()
	for i, s := range in {
		same := len(s) == len(out)
		for d := 0; same && d < len(s); d++ {
			same = d == 1 || s[d] == out[d]
		}
		if !same {
			return nil, errors.Errorf("Concat: input %d has shape %v, input 0 has %v; all but axis 1 must agree", i, s, in[0])
		}
		if i > 0 {
			out[1] += s[1]
		}
	}
	return out, nil
}

func (k *concatKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	for i, x := range in {
		if x.Dtype() != out.Dtype() {
			return errors.Errorf("%s: input %d of %v, input 0 of %v", k.name(), i, x.Dtype(), out.Dtype())
		}
	}
	k.in, k.out = in, out
	defer func() { k.in, k.out = nil, nil }()
	n := out.Shape()[0]
	return splitFloat(out, k, n, out.Len(), &k.wg)
}

// RunRange copies samples [lo, hi) of every input.
func (k *concatKernel) RunRange(_, lo, hi int) {
	if k.out.Dtype() == tensor.Float32 {
		concatRange[float32](k, lo, hi)
	} else {
		concatRange[float64](k, lo, hi)
	}
}

func concatRange[T float](k *concatKernel, lo, hi int) {
	_, total, inner := channelGeom(k.out.Shape())
	out := elems[T](k.out)
	off := 0
	for _, x := range k.in {
		_, c, _ := channelGeom(x.Shape())
		block := c * inner
		src := elems[T](x)
		for s := lo; s < hi; s++ {
			copy(out[s*total*inner+off:][:block], src[s*block:][:block])
		}
		off += block
	}
}

func (k *concatKernel) diffWRT() []bool {
	d := make([]bool, k.n)
	for i := range d {
		d[i] = true
	}
	return d
}

func (k *concatKernel) grad(inputs G.Nodes, _, dy *G.Node) (G.Nodes, error) {
	grads := make(G.Nodes, len(inputs))
	lo := 0
	for i, x := range inputs {
		c := x.Shape()[1]
		sk := &channelSlice{dims: k.dims, lo: lo, hi: lo + c, x: x}
		g, err := apply(sk, sk.name(), dy)
		if err != nil {
			return nil, err
		}
		grads[i], lo = g, lo+c
	}
	return grads, nil
}

// channelSlice copies channels [lo, hi) of its input (N, C, ...): the
// gradient of one input x of Concat. Where x has no derivative once the
// graph runs (a constant), nothing consumes the slice and the kernel
// skips the copy, leaving its output unspecified, as convXGrad does.
type channelSlice struct {
	dims, lo, hi int
	x            *G.Node
	in, out      *tensor.Dense
	wg           sync.WaitGroup
}

func (k *channelSlice) name() string {
	return fmt.Sprintf("ChannelSlice(%d-D, %d:%d)", k.dims, k.lo, k.hi)
}
func (k *channelSlice) inDims() []int { return []int{k.dims} }

func (k *channelSlice) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 || len(in[0]) != k.dims || k.dims < 2 || k.lo < 0 || k.hi <= k.lo || k.hi > in[0][1] {
		return nil, errors.Errorf("%s: input %v, want one %d-D tensor with at least %d channels", k.name(), in, k.dims, k.hi)
	}
	out := in[0].Clone()
	out[1] = k.hi - k.lo
	return out, nil
}

func (k *channelSlice) forward(in []*tensor.Dense, out *tensor.Dense) error {
	if k.x != nil && k.x.Deriv() == nil {
		return nil // nobody needs this gradient: see the type's comment
	}
	k.in, k.out = in[0], out
	defer func() { k.in, k.out = nil, nil }()
	n := out.Shape()[0]
	return splitFloat(out, k, n, out.Len(), &k.wg)
}

// RunRange copies samples [lo, hi).
func (k *channelSlice) RunRange(_, lo, hi int) {
	if k.out.Dtype() == tensor.Float32 {
		channelSliceRange[float32](k, lo, hi)
	} else {
		channelSliceRange[float64](k, lo, hi)
	}
}

func channelSliceRange[T float](k *channelSlice, lo, hi int) {
	_, total, inner := channelGeom(k.in.Shape())
	src, dst := elems[T](k.in), elems[T](k.out)
	block := (k.hi - k.lo) * inner
	for s := lo; s < hi; s++ {
		copy(dst[s*block:][:block], src[(s*total+k.lo)*inner:][:block])
	}
}
