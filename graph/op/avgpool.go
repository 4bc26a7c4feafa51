package op

import (
	"fmt"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// AvgPool2d is PyTorch's F.avg_pool2d over x (N,C,H,W) (divisor_override
// unset): each output is the mean of its window; the divisor counts the
// padding unless p.ExcludePad, and with CeilMode windows running past the
// padded border are clipped to it, as PyTorch does. Unlike Gorgonia's
// AveragePool2D, forward and gradient are right.
func AvgPool2d(x *G.Node, p PoolParams) (*G.Node, error) {
	p, g, err := poolSetup("AvgPool2d", x, p)
	if err != nil {
		return nil, err
	}
	k := &avgPoolKernel{id: nextID(), desc: fmt.Sprintf("AvgPool2d(%v)", p), g: g}
	return apply(k, k.name(), x)
}

// avgPoolKernel averages x over windows given by its geometry; it serves
// AvgPool2d and AdaptiveAvgPool2d, which differ only in the windows.
type avgPoolKernel struct {
	id   int64
	desc string
	g    *poolGeom
}

func (k *avgPoolKernel) name() string  { return fmt.Sprintf("%s#%d", k.desc, k.id) }
func (k *avgPoolKernel) inDims() []int { return []int{4} }

func (k *avgPoolKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 || !k.g.sameInput(in[0]) {
		return nil, errors.Errorf("%s: got inputs %v, want one of shape %v", k.name(), in,
			tensor.Shape{k.g.n, k.g.c, k.g.h, k.g.w})
	}
	return k.g.outShape(), nil
}

func (k *avgPoolKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	if _, err := k.outShape([]tensor.Shape{in[0].Shape()}); err != nil {
		return err
	}
	return dispatch(in[0],
		func() error { avgPoolForward(k.g, elems[float32](in[0]), elems[float32](out)); return nil },
		func() error { avgPoolForward(k.g, elems[float64](in[0]), elems[float64](out)); return nil })
}

func avgPoolForward[T float](g *poolGeom, x, out []T) {
	w := g.w
	hw, ohw := g.h*w, len(g.rows.lo)*len(g.cols.lo)
	for p := range g.planes() {
		xp := x[p*hw : (p+1)*hw]
		op := out[p*ohw : (p+1)*ohw]
		o := 0
		for i, r0 := range g.rows.lo {
			r1, dr := g.rows.hi[i], g.rows.div[i]
			for j, c0 := range g.cols.lo {
				c1 := g.cols.hi[j]
				var s T
				for r := r0; r < r1; r++ {
					for _, v := range xp[r*w+c0 : r*w+c1] {
						s += v
					}
				}
				op[o] = s / T(dr*g.cols.div[j])
				o++
			}
		}
	}
}

func (k *avgPoolKernel) diffWRT() []bool { return []bool{true} }

func (k *avgPoolKernel) grad(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	return single(&avgPoolGrad{fw: k}, grad)
}

// avgPoolGrad spreads each dy over its window, divided by the divisor.
type avgPoolGrad struct{ fw *avgPoolKernel }

func (k *avgPoolGrad) name() string  { return k.fw.name() + "Grad" }
func (k *avgPoolGrad) inDims() []int { return []int{4} }

func (k *avgPoolGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	return k.fw.g.gradShape(k.name(), in)
}

func (k *avgPoolGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	if _, err := k.outShape([]tensor.Shape{in[0].Shape()}); err != nil {
		return err
	}
	return dispatch(in[0],
		func() error { avgPoolBackward(k.fw.g, elems[float32](in[0]), elems[float32](out)); return nil },
		func() error { avgPoolBackward(k.fw.g, elems[float64](in[0]), elems[float64](out)); return nil })
}

func avgPoolBackward[T float](g *poolGeom, dy, dx []T) {
	clear(dx)
	w := g.w
	hw, ohw := g.h*w, len(g.rows.lo)*len(g.cols.lo)
	for p := range g.planes() {
		xp := dx[p*hw : (p+1)*hw]
		dp := dy[p*ohw : (p+1)*ohw]
		o := 0
		for i, r0 := range g.rows.lo {
			r1, dr := g.rows.hi[i], g.rows.div[i]
			for j, c0 := range g.cols.lo {
				c1 := g.cols.hi[j]
				v := dp[o] / T(dr*g.cols.div[j])
				o++
				for r := r0; r < r1; r++ {
					row := xp[r*w+c0 : r*w+c1]
					for c := range row {
						row[c] += v
					}
				}
			}
		}
	}
}
