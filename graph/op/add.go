package op

import (
	"sync"

	"github.com/convzoo/convzoo/graph/op/internal/vec"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Add is x + y for x and y of one shape (a residual connection). Unlike
// Gorgonia's Add, which walks its operands with an iterator, it adds two
// flat slices, split over the worker pool for large tensors, into x's
// buffer where nothing reads x afterwards (as Gorgonia's Add), else into
// an output buffer reused from step to step. Its gradient passes dy unchanged to
// both inputs, as Gorgonia's does.
func Add(x, y *G.Node) (*G.Node, error) {
	if x == nil || y == nil {
		return nil, errors.New("Add: nil input")
	}
	if !x.Shape().Eq(y.Shape()) || x.Dtype() != y.Dtype() {
		return nil, errors.Errorf("Add: x %v of %v and y %v of %v, want one shape and dtype", x.Shape(), x.Dtype(), y.Shape(), y.Dtype())
	}
	return apply(&addKernel{dims: x.Dims()}, "Add", x, y)
}

type addKernel struct {
	dims int
	// The current call's tensors, for RunRange.
	x, y, out *tensor.Dense
	wg        sync.WaitGroup
}

func (k *addKernel) name() string  { return "Add" }
func (k *addKernel) inPlace() bool { return true }
func (k *addKernel) inDims() []int { return []int{k.dims, k.dims} }

func (k *addKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 || !in[0].Eq(in[1]) {
		return nil, errors.Errorf("Add: inputs %v, want two of one shape", in)
	}
	return in[0].Clone(), nil
}

func (k *addKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	if in[0].Dtype() != in[1].Dtype() {
		return errors.Errorf("Add: x of %v and y of %v", in[0].Dtype(), in[1].Dtype())
	}
	k.x, k.y, k.out = in[0], in[1], out
	defer func() { k.x, k.y, k.out = nil, nil, nil }()
	n := in[0].Len()
	return splitFloat(in[0], k, n, 3*n, &k.wg)
}

// RunRange adds elements [lo, hi).
func (k *addKernel) RunRange(_, lo, hi int) {
	if k.x.Dtype() == tensor.Float32 {
		addSlices(elems[float32](k.x)[lo:hi], elems[float32](k.y)[lo:hi], elems[float32](k.out)[lo:hi])
	} else {
		addSlices(elems[float64](k.x)[lo:hi], elems[float64](k.y)[lo:hi], elems[float64](k.out)[lo:hi])
	}
}

// addSlices sets out = x + y over len(x) elements; out may be x or y
// (vec.Add: its AVX2 kernel for float32).
func addSlices[T float](x, y, out []T) { vec.Add(out[:len(x)], x, y) }

func (k *addKernel) diffWRT() []bool { return []bool{true, true} }

func (k *addKernel) grad(_ G.Nodes, _, dy *G.Node) (G.Nodes, error) {
	return G.Nodes{dy, dy}, nil
}
