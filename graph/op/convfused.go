package op

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/convzoo/convzoo/graph/op/internal/vec"
	"github.com/pkg/errors"
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

// A Fusion is what FuseConv adds to a convolution's output, applied in
// this order: the batch norm, the residual, the ReLU.
type Fusion struct {
	BN *BNFold // an evaluation batch norm; nil: none
	// Residual, of the output's shape, is added after the batch norm (a
	// residual connection); nil: none.
	Residual *G.Node
	ReLU     bool
}

// FuseConv returns one node that computes y — the output of Conv2d or of
// an earlier FuseConv — followed by what f adds, over y's own inputs:
// the convolution runs without its bias, and a single in-place pass over
// its output then applies, per output channel o,
//
//	out = max(z·scale[o] + shift[o] + residual, 0)
//
// (without the residual or the max where f and y have none), with
// scale = γ/√(var+ε) and shift = β + (b − mean)·scale, or scale 1 and
// shift b (0 without bias) without a batch norm. This is the batch norm
// folded into the convolution's weights and bias (w' = w·scale,
// b' = shift), applied to the output instead of the weights: the fold is
// recomputed from the current tensors at every call, and there it costs
// one multiply per output element, in a pass the bias and the ReLU need
// anyway, instead of a pass over the weights on top of that pass (at
// batch 1, resnet18's convolutions have 11.2M weights and 2.5M outputs,
// resnet50's 23.5M and 11.1M).
//
// Each step must come after those y has: a batch norm only on a bare
// convolution, a residual before any ReLU. y itself is left in the
// graph; a machine built over the nodes the result depends on
// (ExprGraph.ExactSubgraphRoots) never runs it. The fused node has no
// gradient: it is for evaluation graphs.
func FuseConv(y *G.Node, f Fusion) (*G.Node, error) {
	if y == nil {
		return nil, errors.New("FuseConv: nil convolution output")
	}
	if f.first() == 0 {
		return nil, errors.Errorf("FuseConv: nothing to add to %v", y)
	}
	if !CanFuse(y, f) {
		return nil, errors.Errorf("FuseConv: %v is not the output of Conv2d, or of FuseConv with nothing that comes after %s", y, stepNames[f.first()])
	}
	inputs := children(y)
	k := &convFusedKernel{}
	switch c := y.Op().(*customOp).k.(type) {
	case *convKernel:
		k.conv, k.bias = convKernel{p: c.p}, c.bias
	case *convFusedKernel:
		*k = convFusedKernel{conv: convKernel{p: c.conv.p}, bias: c.bias, bn: c.bn, id: c.id, residual: c.residual, relu: c.relu}
	}
	if bn := f.BN; bn != nil {
		switch {
		case bn.Gamma == nil || bn.Beta == nil:
			return nil, errors.Errorf("FuseConv: nil batch norm gamma or beta for %v", y)
		case !(bn.Eps >= 0):
			return nil, errors.Errorf("FuseConv: batch norm eps %g, want >= 0", bn.Eps)
		}
		if err := bn.Stats.check(y.Shape()[1], y.Dtype(), y.Shape()); err != nil {
			return nil, errors.Wrap(err, "FuseConv")
		}
		k.bn, k.id = &bnFold{eps: bn.Eps, stats: bn.Stats}, nextID()
		inputs = append(inputs, bn.Gamma, bn.Beta)
	}
	if f.Residual != nil {
		k.residual = true
		inputs = append(inputs, f.Residual)
	}
	k.relu = k.relu || f.ReLU
	if _, err := k.outShape(shapesOf(inputs)); err != nil {
		return nil, err
	}
	return apply(k, k.name(), inputs...)
}

// The steps of a fused convolution, in the order they apply.
const (
	stepBN = 1 + iota
	stepResidual
	stepReLU
)

var stepNames = [...]string{stepBN: "a batch norm", stepResidual: "a residual", stepReLU: "a ReLU"}

// last is the last step k has, 0 for none.
func (k *convFusedKernel) last() int {
	switch {
	case k.relu:
		return stepReLU
	case k.residual:
		return stepResidual
	case k.bn != nil:
		return stepBN
	}
	return 0
}

// first is f's first step, 0 for none.
func (f Fusion) first() int {
	switch {
	case f.BN != nil:
		return stepBN
	case f.Residual != nil:
		return stepResidual
	case f.ReLU:
		return stepReLU
	}
	return 0
}

// CanFuse reports whether FuseConv(y, f) accepts y: f adds something,
// and y is the output of Conv2d or of FuseConv with no step that comes
// after f's first.
func CanFuse(y *G.Node, f Fusion) bool {
	if y == nil || f.first() == 0 {
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
		return k.last() < f.first()
	}
	return false
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
// norm, a residual and a ReLU applied by one pass over its output.
// Inputs: x, w, then the bias (O) if bias, gamma and beta (O) if bn, the
// residual (N,O,OH,OW) if residual.
type convFusedKernel struct {
	conv     convKernel // without bias: the bias is part of shift
	bias     bool
	bn       *bnFold // nil: no batch norm
	residual bool
	relu     bool
	id       int64 // with a batch norm, as bnKernel: its statistics are not inputs
	e32      convEpilogue[float32]
	e64      convEpilogue[float64]
	wg       sync.WaitGroup
}

// name is "Fused(" + the convolution without bias + "+bias", "+bn(...)",
// "+residual", "+relu" as present + ")".
func (k *convFusedKernel) name() string {
	var s strings.Builder
	s.WriteString("Fused(" + k.conv.name())
	if k.bias {
		s.WriteString("+bias")
	}
	if k.bn != nil {
		fmt.Fprintf(&s, "+bn(eval,eps=%g)#%d", k.bn.eps, k.id)
	}
	if k.residual {
		s.WriteString("+residual")
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
	if k.residual {
		d = append(d, 4)
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
	if r := in[len(in)-1]; k.residual && !r.Eq(s) {
		return nil, errors.Errorf("%s: residual %v for output %v", k.name(), r, s)
	}
	return s, nil
}

// epilogueIn are the tensors of the output pass; nil where absent.
type epilogueIn struct{ bias, gamma, beta, residual *tensor.Dense }

func (k *convFusedKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	if k.bn == nil && !k.residual {
		var b *tensor.Dense
		if k.bias {
			b = in[2]
		}
		if done, err := k.conv.forwardDirectFused(in[:2], out, b, k.relu, nil); done || err != nil {
			return err
		}
	}
	if err := k.conv.forward(in[:2], out); err != nil {
		return err
	}
	var e epilogueIn
	rest := in[2:]
	if k.bias {
		e.bias, rest = rest[0], rest[1:]
	}
	if k.bn != nil {
		e.gamma, e.beta, rest = rest[0], rest[1], rest[2:]
	}
	if k.residual {
		e.residual = rest[0]
		if e.residual.Dtype() != out.Dtype() {
			return errors.Errorf("%s: residual of %v, output of %v", k.name(), e.residual.Dtype(), out.Dtype())
		}
	}
	return dispatch(out,
		func() error { epilogue(k, &k.e32, e, out); return nil },
		func() error { epilogue(k, &k.e64, e, out); return nil })
}

// epilogue computes the per-channel scale and shift from the current
// tensors and applies them, the residual and the ReLU to out in place.
// scale and shift are rounded as bnKernel rounds its own, so that the
// result is the separate ops' to the bit where the convolution has no
// bias.
func epilogue[T float](k *convFusedKernel, e *convEpilogue[T], in epilogueIn, out *tensor.Dense) {
	s := out.Shape()
	oc := s[1]
	e.scale, e.shift = grow(e.scale, oc), grow(e.shift, oc)
	for c := range oc {
		scale, shift := 1.0, 0.0
		if in.bias != nil {
			shift = float64(elems[T](in.bias)[c])
		}
		if f := k.bn; f != nil {
			invstd := 1 / math.Sqrt(float64(elems[T](f.stats.Var)[c])+f.eps)
			scale = float64(elems[T](in.gamma)[c]) * invstd
			shift = float64(elems[T](in.beta)[c]) + (shift-float64(elems[T](f.stats.Mean)[c]))*scale
		}
		e.scale[c], e.shift[c] = T(scale), T(shift)
	}
	e.out, e.c, e.hw, e.relu = elems[T](out), oc, s[2]*s[3], k.relu
	if in.residual != nil {
		e.res = elems[T](in.residual)
	}
	defer func() { e.out, e.res = nil, nil }()
	split(e, s[0]*oc, len(e.out), &k.wg)
}

// convEpilogue applies out = max?(out·scale + shift + res, 0) to the (hw)
// planes of an NCHW output, plane p having channel p mod c.
type convEpilogue[T float] struct {
	scale, shift []T
	out, res     []T // res: the residual, nil for none
	c, hw        int
	relu         bool
}

// RunRange applies the epilogue to planes [lo, hi) with the separate
// ops' own kernels in their order (batch norm's ScaleShift, Add's add,
// ReLU's), so that the result is theirs to the bit where the convolution
// has no bias. The plane is in cache after the first pass, so the later
// ones cost little.
func (e *convEpilogue[T]) RunRange(_, lo, hi int) {
	for p := lo; p < hi; p++ {
		plane := e.out[p*e.hw : (p+1)*e.hw]
		vec.ScaleShift(plane, plane, e.scale[p%e.c], e.shift[p%e.c])
		if e.res != nil {
			vec.Add(plane, plane, e.res[p*e.hw:][:len(plane)])
		}
		if e.relu {
			reluForward(plane, plane)
		}
	}
}
