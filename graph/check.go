package graph

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MaxElements is the most elements one tensor of a graph may hold: an
// input, parameter, buffer or layer output larger than this, or whose size
// overflows int, fails the build with the layer and the shape named,
// before anything is allocated for it. It is the bound graph/op's kernels
// check on their inputs too (2^31-1: 8 GiB of float32).
const MaxElements = math.MaxInt32

// MaxParamElements is the most elements the parameters and buffers of one
// graph may hold together (4 GiB of float32; VGG-19, the largest model of
// the zoo, has 1.4e8): each tensor may be within MaxElements and the
// whole still more than a machine holds, with a trainer's gradients and
// optimizer state on top (LeNet at 4096x4096 has a 2e9-element fc1). A
// parameter that would pass it fails the build, named, before it is
// allocated.
const MaxParamElements = 1 << 30

// maxParamElements is MaxParamElements; a test lowers it.
var maxParamElements = MaxParamElements

// elements returns the number of elements of shape, and false when a size
// is negative or the product exceeds MaxElements (or would overflow).
func elements(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 || d > 0 && n > MaxElements/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// tooLarge is the error for a tensor of shape what that elements refuses.
func tooLarge(what string, shape []int) error {
	return errors.Errorf("%s of shape %v has more than graph.MaxElements (%d) elements", what, tensor.Shape(shape), MaxElements)
}

// fits fails the build unless a tensor of the given shape fits
// MaxElements; what names the tensor in the error.
func (b *Builder) fits(name, what string, shape []int) bool {
	if _, ok := elements(shape); !ok {
		b.Failf(name, "%s", tooLarge(what, shape))
		return false
	}
	return true
}

// ok reports whether a layer may run: no earlier error and no nil input.
func (b *Builder) ok(name, typ string, xs ...*G.Node) bool {
	if b.s.err != nil {
		return false
	}
	for i, x := range xs {
		if x == nil {
			b.Failf(name, "%s: input %d is nil", typ, i)
			return false
		}
		if x.Graph() != b.s.g {
			b.Failf(name, "%s: input %d belongs to another graph", typ, i)
			return false
		}
	}
	return true
}

// rank requires x to have one of the given numbers of dimensions.
func (b *Builder) rank(name, typ string, x *G.Node, ranks ...int) bool {
	for _, r := range ranks {
		if x.Shape().Dims() == r {
			return true
		}
	}
	want := "(N,C,H,W)"
	if len(ranks) > 1 || ranks[0] != 4 {
		want = fmt.Sprintf("of rank %v", ranks)
	}
	b.Failf(name, "%s: input must be %s, got shape %v", typ, want, x.Shape())
	return false
}

// done records the layer or the error of the op that built it.
func (b *Builder) done(name, typ string, y *G.Node, err error) *G.Node {
	if err != nil {
		b.Fail(errors.Wrapf(err, "graph: %s (%s)", b.Name(name), typ))
		return nil
	}
	if !b.fits(name, typ+": output", y.Shape()) {
		return nil
	}
	b.record(name, typ, y)
	return y
}

// ExpectShape fails the build unless x has the given shape; -1 matches any
// size. Models call it after each block so that a wrong stride is reported
// with the block's name.
func (b *Builder) ExpectShape(name string, x *G.Node, want ...int) bool {
	if !b.ok(name, "shape check", x) {
		return false
	}
	got := x.Shape()
	match := len(got) == len(want)
	for i := 0; match && i < len(want); i++ {
		match = want[i] < 0 || want[i] == got[i]
	}
	if !match {
		b.Failf(name, "output shape %v, want %v", got, tensor.Shape(want))
	}
	return match
}
