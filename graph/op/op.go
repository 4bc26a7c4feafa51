package op

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// kernel is the small contract every custom op in this package fulfils.
// customOp adapts a kernel to gorgonia.Op, gorgonia.SDOp and
// gorgonia.UsePreallocDoer, so each op file holds only its arithmetic.
type kernel interface {
	// name describes the op and all its parameters; it is the op's String
	// and the input to its hash.
	name() string
	// inDims gives the number of dimensions of each input (0: scalar).
	inDims() []int
	// outShape checks the input shapes and returns the output shape
	// (tensor.ScalarShape() for a scalar output).
	outShape(in []tensor.Shape) (tensor.Shape, error)
	// forward computes the output into out, which it must overwrite
	// entirely: out is reused from step to step. For a scalar output, out
	// has shape (1) and the adapter wraps its only element.
	forward(in []*tensor.Dense, out *tensor.Dense) error
}

// inPlace is a kernel whose forward may be given its first input as out
// (an element-wise op reading each input element before writing it).
type inPlace interface{ inPlace() bool }

// gradKernel is a kernel with a symbolic gradient.
type gradKernel interface {
	kernel
	diffWRT() []bool
	// grad returns one node per input: the gradient of the cost with
	// respect to that input (nil where diffWRT is false).
	grad(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error)
}

// seq gives ops that must never be merged (dropout, batch norm) a unique
// identity in their names.
var seq atomic.Int64

func nextID() int64 { return seq.Add(1) }

// customOp adapts a kernel to Gorgonia. It owns its output buffer, reused
// across steps, so a training step allocates nothing in steady state.
type customOp struct {
	k   kernel
	out *tensor.Dense
}

var (
	_ G.Op              = (*customOp)(nil)
	_ G.SDOp            = (*customOp)(nil)
	_ G.UsePreallocDoer = (*customOp)(nil)
)

func apply(k kernel, name string, inputs ...*G.Node) (*G.Node, error) {
	for i, n := range inputs {
		if n == nil {
			return nil, errors.Errorf("%s: input %d is nil", k.name(), i)
		}
	}
	n, err := G.ApplyOp(&customOp{k: k}, inputs...)
	if err != nil {
		return nil, errors.Wrapf(err, "%s", name)
	}
	return n, nil
}

func (o *customOp) Arity() int { return len(o.k.inDims()) }

func (o *customOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	dims := o.k.inDims()
	ts := make([]hm.Type, 0, len(dims)+1)
	for _, d := range dims {
		ts = append(ts, typeOf(a, d))
	}
	// The output's dimensions are known only from shapes; every kernel
	// here returns either a scalar or a tensor with as many dimensions as
	// its first input, or a fixed number given by outDimser.
	od := dims[0]
	if o2, ok := o.k.(interface{ outDims() int }); ok {
		od = o2.outDims()
	}
	ts = append(ts, typeOf(a, od))
	return hm.NewFnType(ts...)
}

func typeOf(a hm.TypeVariable, dims int) hm.Type {
	if dims == 0 {
		return a
	}
	return G.TensorType{Dims: dims, Of: a}
}

func (o *customOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	shapes := make([]tensor.Shape, len(ds))
	for i, d := range ds {
		s, ok := d.(tensor.Shape)
		if !ok {
			return nil, errors.Errorf("%s: input %d has no shape (%T)", o.k.name(), i, d)
		}
		shapes[i] = s
	}
	return o.k.outShape(shapes)
}

func (o *customOp) Do(vals ...G.Value) (G.Value, error) {
	return o.UsePreallocDo(nil, vals...)
}

// UsePreallocDo ignores prealloc: the op keeps its own buffer.
func (o *customOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	if len(vals) != o.Arity() {
		return nil, errors.Errorf("%s: got %d inputs, want %d", o.k.name(), len(vals), o.Arity())
	}
	in := make([]*tensor.Dense, len(vals))
	shapes := make([]tensor.Shape, len(vals))
	for i, v := range vals {
		d, err := asDense(v)
		if err != nil {
			return nil, errors.Wrapf(err, "%s: input %d", o.k.name(), i)
		}
		in[i], shapes[i] = d, d.Shape()
	}
	shape, err := o.k.outShape(shapes)
	if err != nil {
		return nil, err
	}
	scalar := shape.IsScalar()
	if scalar {
		shape = tensor.Shape{1}
	}
	dt := in[0].Dtype()
	if p, ok := prealloc.(*tensor.Dense); ok && p == in[0] && o.OverwritesInput() == 0 && !scalar {
		// Gorgonia found the first input dead after this op: write over it.
		if err := o.k.forward(in, p); err != nil {
			return nil, err
		}
		return p, nil
	}
	if o.out == nil || !o.out.Shape().Eq(shape) || o.out.Dtype() != dt {
		o.out = tensor.New(tensor.WithShape(shape...), tensor.Of(dt))
	}
	if err := o.k.forward(in, o.out); err != nil {
		return nil, err
	}
	if !scalar {
		return o.out, nil
	}
	switch x := o.out.Data().(type) {
	case []float32:
		v := G.F32(x[0])
		return &v, nil
	case []float64:
		v := G.F64(x[0])
		return &v, nil
	}
	return nil, errors.Errorf("%s: unsupported dtype %v", o.k.name(), dt)
}

// asDense turns a Gorgonia value into a dense tensor; scalars become
// tensors of shape (1).
func asDense(v G.Value) (*tensor.Dense, error) {
	switch x := v.(type) {
	case *tensor.Dense:
		return x, nil
	case *G.F32:
		return tensor.New(tensor.WithShape(1), tensor.WithBacking([]float32{float32(*x)})), nil
	case *G.F64:
		return tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{float64(*x)})), nil
	}
	return nil, errors.Errorf("unsupported value type %T", v)
}

// ReturnsPtr is true for the in-place kernels: Gorgonia's register
// allocator considers overwriting an input only for those.
func (o *customOp) ReturnsPtr() bool { return o.OverwritesInput() == 0 }

func (o *customOp) CallsExtern() bool { return false }

// OverwritesInput is 0 for kernels that may write over their first
// input (inPlace): Gorgonia then hands UsePreallocDo that input's tensor
// as the destination wherever nothing reads it afterwards.
func (o *customOp) OverwritesInput() int {
	if ip, ok := o.k.(inPlace); ok && ip.inPlace() {
		return 0
	}
	return -1
}

func (o *customOp) WriteHash(h hash.Hash) { fmt.Fprint(h, o.k.name()) }
func (o *customOp) String() string        { return o.k.name() }

func (o *customOp) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

func (o *customOp) DiffWRT(n int) []bool {
	if g, ok := o.k.(gradKernel); ok {
		return g.diffWRT()
	}
	return make([]bool, n)
}

func (o *customOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	g, ok := o.k.(gradKernel)
	if !ok {
		return nil, errors.Errorf("%s is not differentiable", o.k.name())
	}
	return g.grad(inputs, output, grad)
}

// float is the element type of every kernel.
type float interface{ ~float32 | ~float64 }

// dispatch runs f32 or f64 depending on the dtype of t.
func dispatch(t *tensor.Dense, f32 func() error, f64 func() error) error {
	switch t.Dtype() {
	case tensor.Float32:
		return f32()
	case tensor.Float64:
		return f64()
	}
	return errors.Errorf("unsupported dtype %v (want float32 or float64)", t.Dtype())
}

// single applies the backward kernel k to the upstream gradient and
// returns its output as the gradient of a one-input op.
func single(k kernel, grad *G.Node) (G.Nodes, error) {
	dx, err := apply(k, k.name(), grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// isVec reports whether s is (n). Unlike Shape.Eq, a (1,n) is not.
func isVec(s tensor.Shape, n int) bool { return len(s) == 1 && s[0] == n }
