package op

import (
	"math"
	"sync"

	"github.com/convzoo/convzoo/graph/op/internal/vec"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ReLU is max(x, 0) with its gradient (1 where x > 0, else 0, as in
// PyTorch). Unlike Gorgonia's Rectify, it reuses its output buffers from
// step to step.
func ReLU(x *G.Node) (*G.Node, error) {
	if x == nil {
		return nil, errors.New("ReLU: x is nil")
	}
	return apply(&reluKernel{dims: x.Dims()}, "ReLU", x)
}

type reluKernel struct {
	dims int
	// The current call's tensors, for RunRange.
	x, out *tensor.Dense
	wg     sync.WaitGroup
}

func (k *reluKernel) name() string  { return "ReLU" }
func (k *reluKernel) inDims() []int { return []int{k.dims} }

func (k *reluKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, errors.Errorf("ReLU: got %d inputs, want 1", len(in))
	}
	return in[0].Clone(), nil
}

func (k *reluKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	k.x, k.out = in[0], out
	defer func() { k.x, k.out = nil, nil }()
	n := in[0].Len()
	return splitFloat(in[0], k, n, 2*n, &k.wg)
}

// RunRange computes elements [lo, hi).
func (k *reluKernel) RunRange(_, lo, hi int) {
	if k.x.Dtype() == tensor.Float32 {
		reluForward(elems[float32](k.x)[lo:hi], elems[float32](k.out)[lo:hi])
	} else {
		reluForward(elems[float64](k.x)[lo:hi], elems[float64](k.out)[lo:hi])
	}
}

// reluForward sets out = max(x, 0) (vec.ReLU: AVX2 for float32, same bits).
func reluForward[T float](x, out []T) { vec.ReLU(out[:len(x)], x) }

func (k *reluKernel) diffWRT() []bool { return []bool{true} }

func (k *reluKernel) grad(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dx, err := apply(&reluGrad{dims: k.dims}, "ReLU gradient", inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// reluGrad computes dy where x > 0, else 0; inputs (x, dy).
type reluGrad struct {
	dims int
	// The current call's tensors, for RunRange.
	x, dy, out *tensor.Dense
	wg         sync.WaitGroup
}

func (k *reluGrad) name() string  { return "ReLUGrad" }
func (k *reluGrad) inDims() []int { return []int{k.dims, k.dims} }

func (k *reluGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 || !in[0].Eq(in[1]) {
		return nil, errors.Errorf("ReLUGrad: want x and dy of one shape, got %v", in)
	}
	return in[0].Clone(), nil
}

func (k *reluGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	k.x, k.dy, k.out = in[0], in[1], out
	defer func() { k.x, k.dy, k.out = nil, nil, nil }()
	n := in[0].Len()
	return splitFloat(in[0], k, n, 3*n, &k.wg)
}

// RunRange computes elements [lo, hi).
func (k *reluGrad) RunRange(_, lo, hi int) {
	if k.x.Dtype() == tensor.Float32 {
		reluBackward(elems[float32](k.x)[lo:hi], elems[float32](k.dy)[lo:hi], elems[float32](k.out)[lo:hi])
	} else {
		reluBackward(elems[float64](k.x)[lo:hi], elems[float64](k.dy)[lo:hi], elems[float64](k.out)[lo:hi])
	}
}

// reluBackward is branchless (a random sign pattern defeats the branch
// predictor): dy's bits are masked by "x > 0", read from x's bits as a
// positive signed integer. A NaN x with a clear sign bit passes dy.
func reluBackward[T float](x, dy, out []T) {
	switch x := any(x).(type) {
	case []float32:
		vec.ReLUGrad32(any(out).([]float32)[:len(x)], x, any(dy).([]float32)) // AVX2, same bits
	case []float64:
		dy, out := any(dy).([]float64)[:len(x)], any(out).([]float64)[:len(x)]
		for i, v := range x {
			b := int64(math.Float64bits(v))
			m := uint64(^((b - 1) >> 63) & ^(b >> 63))
			out[i] = math.Float64frombits(math.Float64bits(dy[i]) & m)
		}
	}
}
