package op

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// PoolParams configures the 2-D pooling ops; zero strides mean "equal to
// the kernel". The zero value is not valid: the kernel must be at least
// 1x1.
type PoolParams struct {
	KH, KW int // kernel height and width (>= 1)
	SH, SW int // strides (0: equal to the kernel)
	PH, PW int // implicit zero padding on both sides, at most half the kernel
	// CeilMode is PyTorch's ceil_mode: the output size rounds up, but the
	// last window must start inside the input or its left padding.
	CeilMode bool
	// ExcludePad (AvgPool only) is PyTorch's count_include_pad=False: the
	// divisor counts only input elements. The default (false) counts the
	// padding too, PyTorch's default.
	ExcludePad bool
}

// String describes p in PyTorch's terms.
func (p PoolParams) String() string {
	s := fmt.Sprintf("kernel=%dx%d stride=%dx%d pad=%dx%d", p.KH, p.KW, p.SH, p.SW, p.PH, p.PW)
	if p.CeilMode {
		s += " ceil"
	}
	if p.ExcludePad {
		s += " exclude_pad"
	}
	return s
}

// norm fills in default strides and validates p for op on shape.
func (p PoolParams) norm(op string, shape tensor.Shape) (PoolParams, error) {
	if p.SH == 0 {
		p.SH = p.KH
	}
	if p.SW == 0 {
		p.SW = p.KW
	}
	switch {
	case p.KH < 1 || p.KW < 1:
		return p, errors.Errorf("%s: kernel %dx%d on x of shape %v, want at least 1x1", op, p.KH, p.KW, shape)
	case p.SH < 0 || p.SW < 0:
		return p, errors.Errorf("%s: negative stride %dx%d on x of shape %v", op, p.SH, p.SW, shape)
	case p.PH < 0 || p.PW < 0:
		return p, errors.Errorf("%s: negative padding %dx%d on x of shape %v", op, p.PH, p.PW, shape)
	case p.PH > p.KH/2 || p.PW > p.KW/2:
		return p, errors.Errorf("%s: padding %dx%d on x of shape %v should be at most half the kernel %dx%d",
			op, p.PH, p.PW, shape, p.KH, p.KW)
	}
	return p, nil
}

// axisWindows holds, for each output position along one axis, the input
// range [lo, hi) it reads (clipped to the input) and its factor of the
// average-pooling divisor.
type axisWindows struct{ lo, hi, div []int }

func (a *axisWindows) resize(n int) {
	if cap(a.lo) < n {
		a.lo, a.hi, a.div = make([]int, n), make([]int, n), make([]int, n)
	}
	a.lo, a.hi, a.div = a.lo[:n], a.hi[:n], a.div[:n]
}

// strided fills a with PyTorch's pooling windows: the divisor factor is
// the window clipped to the padded input, or to the input with excludePad.
func (a *axisWindows) strided(in, out, k, s, pad int, excludePad bool) {
	a.resize(out)
	for i := range out {
		lo := i*s - pad
		hi := min(lo+k, in+pad)
		a.div[i] = hi - lo
		lo, hi = max(lo, 0), min(hi, in)
		a.lo[i], a.hi[i] = lo, hi
		if excludePad {
			a.div[i] = hi - lo
		}
	}
}

// adaptive fills a with PyTorch's adaptive pooling bins:
// [floor(i*in/out), ceil((i+1)*in/out)).
func (a *axisWindows) adaptive(in, out int) {
	a.resize(out)
	for i := range out {
		lo := i * in / out
		hi := ((i+1)*in + out - 1) / out
		a.lo[i], a.hi[i], a.div[i] = lo, hi, hi-lo
	}
}

// poolGeom is the window geometry of one pooling node over x (N,C,H,W):
// the same windows are used in every (n, c) plane.
type poolGeom struct {
	n, c, h, w int
	rows, cols axisWindows
}

func (g *poolGeom) planes() int { return g.n * g.c }
func (g *poolGeom) outShape() tensor.Shape {
	return tensor.Shape{g.n, g.c, len(g.rows.lo), len(g.cols.lo)}
}

// fullCols returns the run [jlo, jhi) of output columns whose windows
// are kw wide (not clipped to the input), each s to the right of the
// last: all but the edges of a strided pooling. jlo = jhi where none is.
func (g *poolGeom) fullCols(kw, s int) (jlo, jhi int) {
	lo, hi := g.cols.lo, g.cols.hi
	for jlo < len(lo) && hi[jlo]-lo[jlo] != kw {
		jlo++
	}
	for jhi = jlo; jhi < len(lo) && hi[jhi]-lo[jhi] == kw && lo[jhi] == lo[jlo]+s*(jhi-jlo); jhi++ {
	}
	return jlo, jhi
}

// check4D returns an error naming op unless x is a 4-D (N,C,H,W) node.
func check4D(op string, x *G.Node) error {
	if x == nil {
		return errors.Errorf("%s: x is nil", op)
	}
	if x.Dims() != 4 || len(x.Shape()) != 4 {
		return errors.Errorf("%s: x of shape %v, want 4-D (N,C,H,W)", op, x.Shape())
	}
	if x.Shape().TotalSize() > math.MaxInt32 {
		return errors.Errorf("%s: x of shape %v has more than 2^31-1 elements", op, x.Shape())
	}
	return nil
}

// poolSetup checks x (N,C,H,W) and p for the pooling op, returning p
// with its defaults filled and the geometry of the pooling.
func poolSetup(op string, x *G.Node, p PoolParams) (PoolParams, *poolGeom, error) {
	if err := check4D(op, x); err != nil {
		return p, nil, err
	}
	p, err := p.norm(op, x.Shape())
	if err != nil {
		return p, nil, err
	}
	g, err := stridedGeom(op, x.Shape(), p)
	return p, g, err
}

// stridedGeom validates p on the input shape s and returns its geometry.
func stridedGeom(op string, s tensor.Shape, p PoolParams) (*poolGeom, error) {
	if len(s) != 4 {
		return nil, errors.Errorf("%s: x of shape %v, want 4-D (N,C,H,W)", op, s)
	}
	oh := OutSize(s[2], p.KH, p.SH, p.PH, 1, p.CeilMode)
	ow := OutSize(s[3], p.KW, p.SW, p.PW, 1, p.CeilMode)
	if oh < 1 || ow < 1 {
		return nil, errors.Errorf("%s: kernel %dx%d (pad %dx%d) is larger than the padded input of x of shape %v",
			op, p.KH, p.KW, p.PH, p.PW, s)
	}
	g := &poolGeom{n: s[0], c: s[1], h: s[2], w: s[3]}
	g.rows.strided(s[2], oh, p.KH, p.SH, p.PH, p.ExcludePad)
	g.cols.strided(s[3], ow, p.KW, p.SW, p.PW, p.ExcludePad)
	return g, nil
}

// sameInput reports whether shape s is the input shape g was built for.
func (g *poolGeom) sameInput(s tensor.Shape) bool {
	return len(s) == 4 && s[0] == g.n && s[1] == g.c && s[2] == g.h && s[3] == g.w
}

// gradShape checks the upstream gradient of a pooling op with this
// geometry and returns the shape of the input gradient.
func (g *poolGeom) gradShape(name string, in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 || !in[0].Eq(g.outShape()) {
		return nil, errors.Errorf("%s: got gradients of shape %v, want one of shape %v", name, in, g.outShape())
	}
	return tensor.Shape{g.n, g.c, g.h, g.w}, nil
}
