package op

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/pkg/errors"
	gonum "gonum.org/v1/gonum/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BNFold is an evaluation batch norm for FuseConv: per output channel,
// (z − mean)/√(var + Eps)·Gamma + Beta, with the running statistics and
// Gamma and Beta read at every call, so a later change to them is seen
// by the next run.
type BNFold struct {
	Gamma, Beta *G.Node // (O)
	Stats       RunningStats
	Eps         float64 // used as given; must be >= 0
}

// FuseConv returns one node that computes y — the output of Conv2d or of
// an earlier FuseConv — followed by the evaluation batch norm bn (when
// non-nil) and a ReLU (when relu), over y's own inputs: the convolution
// runs without its bias, and a single in-place pass over its output then
// applies, per output channel o,
//
//	out = max(z·scale[o] + shift[o], 0)    (no max without relu)
//
// with scale = γ/√(var+ε) and shift = β + (b − mean)·scale, or scale 1
// and shift b without bn. This is the batch norm folded into the
// convolution's weights and bias (w' = w·scale, b' = shift), applied to
// the output instead of the weights: the fold is recomputed from the
// current tensors at every call, so it costs O(output) there instead of
// O(weights), which is smaller for most layers of an ImageNet net at
// batch 1 and never more than a separate batch norm pass.
//
// y itself is left in the graph; a machine built over the nodes the
// result depends on (ExprGraph.ExactSubgraphRoots) never runs it. The
// fused node has no gradient: it is for evaluation graphs.
func FuseConv(y *G.Node, bn *BNFold, relu bool) (*G.Node, error) {
	if y == nil {
		return nil, errors.New("FuseConv: nil convolution output")
	}
	if !CanFuse(y, bn != nil) {
		return nil, errors.Errorf("FuseConv: %v is not the output of Conv2d or of FuseConv without a ReLU (nor, to add a batch norm, without one)", y)
	}
	inputs := graphNodes(y.Graph().From(y.ID()))
	k := &convFusedKernel{relu: relu}
	switch c := y.Op().(*customOp).k.(type) {
	case *convKernel:
		k.conv, k.bias = convKernel{p: c.p}, c.bias
	case *convFusedKernel:
		k.conv, k.bias, k.bn, k.id = convKernel{p: c.conv.p}, c.bias, c.bn, c.id
	}
	if bn != nil {
		oc := y.Shape()[1]
		switch {
		case bn.Gamma == nil || bn.Beta == nil:
			return nil, errors.Errorf("FuseConv: nil batch norm gamma or beta for %v", y)
		case !(bn.Eps >= 0):
			return nil, errors.Errorf("FuseConv: batch norm eps %g, want >= 0", bn.Eps)
		}
		if err := bn.Stats.check(oc, y.Dtype(), y.Shape()); err != nil {
			return nil, errors.Wrap(err, "FuseConv")
		}
		k.bn, k.id = &bnFold{eps: bn.Eps, stats: bn.Stats}, nextID()
		inputs = append(inputs, bn.Gamma, bn.Beta)
	}
	if _, err := k.outShape(shapesOf(inputs)); err != nil {
		return nil, err
	}
	return apply(k, k.name(), inputs...)
}

// CanFuse reports whether FuseConv accepts y: the output of Conv2d, or of
// FuseConv without a ReLU and, when withBN, without a batch norm.
func CanFuse(y *G.Node, withBN bool) bool {
	if y == nil {
		return false
	}
	o, ok := y.Op().(*customOp)
	if !ok {
		return false
	}
	switch k := o.k.(type) {
	case *convKernel:
		return true
	case *convFusedKernel:
		return !k.relu && !(withBN && k.bn != nil)
	}
	return false
}

// graphNodes collects the nodes of a Gorgonia graph iterator, in order.
func graphNodes(it gonum.Nodes) G.Nodes {
	var ns G.Nodes
	for it.Next() {
		ns = append(ns, it.Node().(*G.Node))
	}
	return ns
}

// shapesOf lists the shapes of ns.
func shapesOf(ns G.Nodes) []tensor.Shape {
	s := make([]tensor.Shape, len(ns))
	for i, n := range ns {
		s[i] = n.Shape()
	}
	return s
}

// bnFold is the part of BNFold that is not a node.
type bnFold struct {
	eps   float64
	stats RunningStats
}

// convFusedKernel is a convolution with its bias, an evaluation batch
// norm and a ReLU applied by one pass over its output. Inputs: x, w, the
// bias (O) if bias, gamma and beta (O) if bn.
type convFusedKernel struct {
	conv convKernel // without bias: the bias is part of shift
	bias bool
	bn   *bnFold // nil: no batch norm
	relu bool
	id   int64 // with a batch norm, as bnKernel: its statistics are not inputs
	e32  convEpilogue[float32]
	e64  convEpilogue[float64]
	wg   sync.WaitGroup
}

// name is "Fused(" + the convolution without bias + "+bias", "+bn(...)",
// "+relu" as present + ")".
func (k *convFusedKernel) name() string {
	var s strings.Builder
	s.WriteString("Fused(" + k.conv.name())
	if k.bias {
		s.WriteString("+bias")
	}
	if k.bn != nil {
		fmt.Fprintf(&s, "+bn(eval,eps=%g)#%d", k.bn.eps, k.id)
	}
	if k.relu {
		s.WriteString("+relu")
	}
	s.WriteString(")")
	return s.String()
}

func (k *convFusedKernel) inDims() []int {
	d := []int{4, 4}
	for range k.vectors() {
		d = append(d, 1)
	}
	return d
}

// vectors names the per-channel inputs after x and w, in order.
func (k *convFusedKernel) vectors() []string {
	var v []string
	if k.bias {
		v = append(v, "bias")
	}
	if k.bn != nil {
		v = append(v, "gamma", "beta")
	}
	return v
}

func (k *convFusedKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != len(k.inDims()) {
		return nil, errors.Errorf("%s: got %d inputs, want %d", k.name(), len(in), len(k.inDims()))
	}
	s, err := k.conv.outShape(in[:2])
	if err != nil {
		return nil, err
	}
	for i, v := range k.vectors() {
		if !isVec(in[2+i], s[1]) {
			return nil, errors.Errorf("%s: %s %v for w %v, want (%d)", k.name(), v, in[2+i], in[1], s[1])
		}
	}
	return s, nil
}

func (k *convFusedKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	if err := k.conv.forward(in[:2], out); err != nil {
		return err
	}
	var bias, gamma, beta *tensor.Dense
	vec := in[2:]
	if k.bias {
		bias, vec = vec[0], vec[1:]
	}
	if k.bn != nil {
		gamma, beta = vec[0], vec[1]
	}
	return dispatch(out,
		func() error { return epilogue(k, &k.e32, bias, gamma, beta, out) },
		func() error { return epilogue(k, &k.e64, bias, gamma, beta, out) })
}

// epilogue computes the per-channel scale and shift from the current
// tensors and applies them, and the ReLU, to out in place.
func epilogue[T float](k *convFusedKernel, e *convEpilogue[T], bias, gamma, beta, out *tensor.Dense) error {
	s := out.Shape()
	oc := s[1]
	e.scale, e.shift = grow(e.scale, oc), grow(e.shift, oc)
	for c := range oc {
		scale, shift := 1.0, 0.0
		if bias != nil {
			shift = float64(elems[T](bias)[c])
		}
		if f := k.bn; f != nil {
			scale = float64(elems[T](gamma)[c]) / math.Sqrt(float64(elems[T](f.stats.Var)[c])+f.eps)
			shift = float64(elems[T](beta)[c]) + (shift-float64(elems[T](f.stats.Mean)[c]))*scale
		}
		e.scale[c], e.shift[c] = T(scale), T(shift)
	}
	e.out, e.c, e.hw, e.relu = elems[T](out), oc, s[2]*s[3], k.relu
	defer func() { e.out = nil }()
	split(e, s[0]*oc, len(e.out), &k.wg)
	return nil
}

// convEpilogue applies out = max?(out·scale + shift, 0) to the (hw)
// planes of an NCHW output, plane p having channel p mod c.
type convEpilogue[T float] struct {
	scale, shift []T
	out          []T
	c, hw        int
	relu         bool
}

// RunRange applies the epilogue to planes [lo, hi).
func (e *convEpilogue[T]) RunRange(_, lo, hi int) {
	for p := lo; p < hi; p++ {
		a, b := e.scale[p%e.c], e.shift[p%e.c]
		plane := e.out[p*e.hw : (p+1)*e.hw]
		if e.relu {
			for i, v := range plane {
				plane[i] = max(v*a+b, 0)
			}
		} else {
			for i, v := range plane {
				plane[i] = v*a + b
			}
		}
	}
}
