package op

import (
	"github.com/convzoo/convzoo/graph/op/internal/gemm"
	"sync"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Linear computes x·wᵀ + b for x (N,In), w (Out,In) as PyTorch stores it,
// b (Out) or nil. Forward is one GEMM, backward two (dx = dy·w,
// dw = dyᵀ·x) and a column sum for db; large GEMMs are split over the
// worker pool, and every buffer is reused from step to step.
func Linear(x, w, b *G.Node) (*G.Node, error) {
	if x == nil || w == nil {
		return nil, errors.New("Linear: nil x or w")
	}
	in := []tensor.Shape{x.Shape(), w.Shape()}
	nodes := G.Nodes{x, w}
	if b != nil {
		in = append(in, b.Shape())
		nodes = append(nodes, b)
	}
	k := &linearKernel{bias: b != nil}
	if _, err := k.outShape(in); err != nil {
		return nil, err
	}
	return apply(k, k.name(), nodes...)
}

// linGemm is a GEMM kernel state shared by Linear's forward and backward
// kernels: the job of each dtype and its wait group.
type linGemm struct {
	j32 gemm.Job[float32]
	j64 gemm.Job[float64]
	wg  sync.WaitGroup
}

// run computes C = op(A)·op(B) + beta·C over whole row-major tensors.
func (l *linGemm) run(tA, tB bool, m, n, k int, a, b, c *tensor.Dense, beta float64) error {
	lda, ldb := k, n
	if tA {
		lda = m
	}
	if tB {
		ldb = k
	}
	return dispatch(c,
		func() error {
			l.j32 = gemm.Job[float32]{TA: tA, TB: tB, M: m, N: n, K: k, A: elems[float32](a), B: elems[float32](b), C: elems[float32](c),
				LDA: lda, LDB: ldb, LDC: n, Beta: float32(beta)}
			l.j32.Run(&l.wg)
			return nil
		},
		func() error {
			l.j64 = gemm.Job[float64]{TA: tA, TB: tB, M: m, N: n, K: k, A: elems[float64](a), B: elems[float64](b), C: elems[float64](c),
				LDA: lda, LDB: ldb, LDC: n, Beta: beta}
			l.j64.Run(&l.wg)
			return nil
		})
}

type linearKernel struct {
	bias bool
	linGemm
}

func (k *linearKernel) name() string {
	if k.bias {
		return "Linear(bias)"
	}
	return "Linear"
}

func (k *linearKernel) inDims() []int {
	if k.bias {
		return []int{2, 2, 1}
	}
	return []int{2, 2}
}

func (k *linearKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != len(k.inDims()) {
		return nil, errors.Errorf("Linear: got %d inputs, want %d", len(in), len(k.inDims()))
	}
	x, w := in[0], in[1]
	if len(x) != 2 || len(w) != 2 || x[1] != w[1] {
		return nil, errors.Errorf("Linear: x %v and w %v, want x (N,In) and w (Out,In) with the same In", x, w)
	}
	if k.bias && !isVec(in[2], w[0]) {
		return nil, errors.Errorf("Linear: bias %v for w %v, want (%d)", in[2], w, w[0])
	}
	return tensor.Shape{x[0], w[0]}, nil
}

func (k *linearKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	x, w := in[0].Shape(), in[1].Shape()
	beta := 0.0
	if k.bias {
		beta = 1
		err := dispatch(out,
			func() error { fillRows(elems[float32](out), elems[float32](in[2])); return nil },
			func() error { fillRows(elems[float64](out), elems[float64](in[2])); return nil })
		if err != nil {
			return err
		}
	}
	return k.run(false, true, x[0], w[0], x[1], in[0], in[1], out, beta)
}

// fillRows sets every row of y (rows of len(b)) to b.
func fillRows[T float](y, b []T) {
	for i := 0; i+len(b) <= len(y); i += len(b) {
		copy(y[i:i+len(b)], b)
	}
}

func (k *linearKernel) diffWRT() []bool {
	if k.bias {
		return []bool{true, true, true}
	}
	return []bool{true, true}
}

func (k *linearKernel) grad(inputs G.Nodes, _, dy *G.Node) (G.Nodes, error) {
	dx, err := apply(&linearGrad{wrtX: true}, "Linear.dx", inputs[1], dy)
	if err != nil {
		return nil, err
	}
	dw, err := apply(&linearGrad{}, "Linear.dw", inputs[0], dy)
	if err != nil {
		return nil, err
	}
	if !k.bias {
		return G.Nodes{dx, dw}, nil
	}
	bk := &biasGrad{op: "Linear", dims: 2}
	db, err := apply(bk, bk.name(), dy)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw, db}, nil
}

// linearGrad computes dx = dy·w from (w, dy) when wrtX, else
// dw = dyᵀ·x from (x, dy).
type linearGrad struct {
	wrtX bool
	linGemm
}

func (k *linearGrad) name() string {
	if k.wrtX {
		return "Linear.dx"
	}
	return "Linear.dw"
}

func (k *linearGrad) inDims() []int { return []int{2, 2} }

func (k *linearGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 || len(in[0]) != 2 || len(in[1]) != 2 {
		return nil, errors.Errorf("%s: inputs %v, want two matrices", k.name(), in)
	}
	a, dy := in[0], in[1]
	if k.wrtX && a[0] == dy[1] {
		return tensor.Shape{dy[0], a[1]}, nil
	}
	if !k.wrtX && a[0] == dy[0] {
		return tensor.Shape{dy[1], a[1]}, nil
	}
	return nil, errors.Errorf("%s: operand %v and dy %v do not match", k.name(), a, dy)
}

func (k *linearGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	a, dy := in[0].Shape(), in[1].Shape()
	if k.wrtX {
		// dx (N,In) = dy (N,Out) · w (Out,In)
		return k.run(false, false, dy[0], a[1], dy[1], in[1], in[0], out, 0)
	}
	// dw (Out,In) = dyᵀ (Out,N) · x (N,In)
	return k.run(true, false, dy[1], a[1], dy[0], in[1], in[0], out, 0)
}
