package op

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LRN is torch.nn.LocalResponseNorm over the channels of x (N,C,H,W):
//
//	b_c = a_c * (k + alpha/size * sum_{c' in [c-size/2, c+(size-1)/2]} a_{c'}^2)^(-beta)
//
// with the channel window clipped to [0, C). AlexNet uses size 5, alpha
// 1e-4, beta 0.75, k 2. The forward pass keeps the scale (the bracket) and
// its power for the backward pass.
func LRN(x *G.Node, size int, alpha, beta, k float64) (*G.Node, error) {
	const op = "LRN"
	if err := check4D(op, x); err != nil {
		return nil, err
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case size < 1:
		return nil, errors.Errorf("%s: size %d on x of shape %v, want >= 1", op, size, x.Shape())
	case !finite(alpha) || !finite(beta) || !finite(k):
		return nil, errors.Errorf("%s: alpha %g, beta %g, k %g on x of shape %v, want finite values", op, alpha, beta, k, x.Shape())
	}
	kn := &lrnKernel{id: nextID(), size: size, alpha: alpha, beta: beta, k: k}
	return apply(kn, kn.name(), x)
}

// lrnKernel keeps, for the last forward pass, the scale s = k + alpha/size
// * window sum of squares and s^-beta, both shaped like x.
type lrnKernel struct {
	id             int64
	size           int
	alpha, beta, k float64
	scale32, pow32 []float32
	scale64, pow64 []float64
	lastShape      tensor.Shape
}

func (l *lrnKernel) name() string {
	return fmt.Sprintf("LRN(size=%d alpha=%g beta=%g k=%g)#%d", l.size, l.alpha, l.beta, l.k, l.id)
}
func (l *lrnKernel) inDims() []int { return []int{4} }

func (l *lrnKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 || len(in[0]) != 4 {
		return nil, errors.Errorf("%s: got inputs %v, want one 4-D (N,C,H,W)", l.name(), in)
	}
	return in[0].Clone(), nil
}

// window returns the channels [lo, hi) summed for output channel c.
func (l *lrnKernel) window(c, channels int) (lo, hi int) {
	return max(c-l.size/2, 0), min(c+(l.size-1)/2+1, channels)
}

func (l *lrnKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	s := in[0].Shape()
	if len(s) != 4 {
		return errors.Errorf("%s: x of shape %v, want 4-D", l.name(), s)
	}
	l.lastShape = append(l.lastShape[:0], s...)
	return dispatch(in[0],
		func() error {
			l.scale32, l.pow32 = grow(l.scale32, s.TotalSize()), grow(l.pow32, s.TotalSize())
			lrnForward(l, s, elems[float32](in[0]), elems[float32](out), l.scale32, l.pow32)
			return nil
		},
		func() error {
			l.scale64, l.pow64 = grow(l.scale64, s.TotalSize()), grow(l.pow64, s.TotalSize())
			lrnForward(l, s, elems[float64](in[0]), elems[float64](out), l.scale64, l.pow64)
			return nil
		})
}

func lrnForward[T float](l *lrnKernel, s tensor.Shape, x, out, scale, pw []T) {
	c, hw := s[1], s[2]*s[3]
	a, k, beta := T(l.alpha/float64(l.size)), T(l.k), l.beta
	for n := range s[0] {
		xs, ss := x[n*c*hw:(n+1)*c*hw], scale[n*c*hw:(n+1)*c*hw]
		for ch := range c {
			acc := ss[ch*hw : (ch+1)*hw]
			clear(acc)
			lo, hi := l.window(ch, c)
			for cc := lo; cc < hi; cc++ {
				src := xs[cc*hw : (cc+1)*hw]
				for i, v := range src {
					acc[i] += v * v
				}
			}
			for i := range acc {
				acc[i] = k + a*acc[i]
			}
		}
	}
	if beta == 0.75 {
		for i, v := range scale {
			r := math.Sqrt(float64(v))
			pw[i] = T(1 / (r * math.Sqrt(r)))
		}
	} else {
		for i, v := range scale {
			pw[i] = T(math.Pow(float64(v), -beta))
		}
	}
	x, out = x[:len(pw)], out[:len(pw)]
	for i, p := range pw {
		out[i] = x[i] * p
	}
}

func (l *lrnKernel) diffWRT() []bool { return []bool{true} }

func (l *lrnKernel) grad(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dx, err := apply(&lrnGrad{fw: l}, l.name()+" gradient", inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// lrnGrad computes, from (x, dy) and the forward pass's scale s and p = s^-beta,
//
//	dx_j = dy_j p_j - (2 alpha beta / size) x_j sum_{c: j in window(c)} dy_c x_c p_c / s_c.
type lrnGrad struct {
	fw    *lrnKernel
	tmp32 []float32
	tmp64 []float64
}

func (g *lrnGrad) name() string  { return g.fw.name() + "Grad" }
func (g *lrnGrad) inDims() []int { return []int{4, 4} }

func (g *lrnGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 || len(in[0]) != 4 || !in[0].Eq(in[1]) {
		return nil, errors.Errorf("%s: want x and dy of one 4-D shape, got %v", g.name(), in)
	}
	return in[0].Clone(), nil
}

func (g *lrnGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	s := in[0].Shape()
	if !s.Eq(g.fw.lastShape) {
		return errors.Errorf("%s: x of shape %v, forward saw %v (forward not run?)", g.name(), s, g.fw.lastShape)
	}
	return dispatch(in[0],
		func() error {
			if len(g.fw.scale32) != s.TotalSize() {
				return errors.Errorf("%s: no float32 forward state", g.name())
			}
			g.tmp32 = grow(g.tmp32, s.TotalSize())
			lrnBackward(g.fw, s, elems[float32](in[0]), elems[float32](in[1]), elems[float32](out),
				g.fw.scale32, g.fw.pow32, g.tmp32)
			return nil
		},
		func() error {
			if len(g.fw.scale64) != s.TotalSize() {
				return errors.Errorf("%s: no float64 forward state", g.name())
			}
			g.tmp64 = grow(g.tmp64, s.TotalSize())
			lrnBackward(g.fw, s, elems[float64](in[0]), elems[float64](in[1]), elems[float64](out),
				g.fw.scale64, g.fw.pow64, g.tmp64)
			return nil
		})
}

func lrnBackward[T float](l *lrnKernel, s tensor.Shape, x, dy, dx, scale, pw, t []T) {
	c, hw := s[1], s[2]*s[3]
	coef := T(2 * l.alpha * l.beta / float64(l.size))
	x, dy, dx = x[:len(t)], dy[:len(t)], dx[:len(t)]
	for i := range t {
		t[i] = dy[i] * x[i] * pw[i] / scale[i]
	}
	// Channel j receives from every c whose window holds j:
	// c in [j-(size-1)/2, j+size/2].
	for n := range s[0] {
		off := n * c * hw
		for j := range c {
			acc := dx[off+j*hw : off+(j+1)*hw]
			clear(acc)
			lo, hi := max(j-(l.size-1)/2, 0), min(j+l.size/2+1, c)
			for cc := lo; cc < hi; cc++ {
				src := t[off+cc*hw : off+(cc+1)*hw]
				for i, v := range src {
					acc[i] += v
				}
			}
			xs, ds, ps := x[off+j*hw:off+(j+1)*hw], dy[off+j*hw:off+(j+1)*hw], pw[off+j*hw:off+(j+1)*hw]
			for i := range acc {
				acc[i] = ds[i]*ps[i] - coef*xs[i]*acc[i]
			}
		}
	}
}
