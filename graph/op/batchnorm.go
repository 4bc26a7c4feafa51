package op

import (
	"fmt"
	"math"
	"sync"

	"github.com/convzoo/convzoo/graph/op/internal/vec"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// RunningStats are a batch norm's buffers, each of shape (C) and of the
// input's dtype, owned by the caller's parameter store: the op reads and,
// in training, updates them in place, and keeps no copy of its own, so
// every graph built over the same tensors sees the same statistics and a
// new TapeMachine leaves them as they are.
type RunningStats struct{ Mean, Var *tensor.Dense }

// check requires both statistics to be (c) of dtype dt, for x of shape xs.
func (st RunningStats) check(c int, dt tensor.Dtype, xs tensor.Shape) error {
	for _, s := range []struct {
		name string
		t    *tensor.Dense
	}{{"running mean", st.Mean}, {"running var", st.Var}} {
		if s.t == nil {
			return errors.Errorf("nil %s for x of shape %v", s.name, xs)
		}
		if !isVec(s.t.Shape(), c) || s.t.Dtype() != dt {
			return errors.Errorf("%s has shape %v of %v, want (%d) of %v for x of shape %v",
				s.name, s.t.Shape(), s.t.Dtype(), c, dt, xs)
		}
	}
	return nil
}

// BNParams configures BatchNorm. Eps and Momentum are used as given (the
// graph layer fills PyTorch's defaults 1e-5 and 0.1); Training selects
// batch statistics (true) or the running statistics (false).
type BNParams struct {
	Eps, Momentum float64
	Training      bool
}

// BatchNorm normalises x, (N,C) or (N,C,H,W), per channel and applies
// gamma and beta, each (C): y = (x-mean)/sqrt(var+eps)*gamma + beta.
//
// In training it uses the batch statistics (the biased variance) and
// updates the running statistics as PyTorch does:
// running = (1-momentum)*running + momentum*batch, with the unbiased batch
// variance for the running variance. In evaluation it uses the running
// statistics and never writes them. The gradient flows to x, gamma and
// beta, through the batch statistics in training.
func BatchNorm(x, gamma, beta *G.Node, stats RunningStats, p BNParams) (*G.Node, error) {
	if x == nil || gamma == nil || beta == nil {
		return nil, errors.New("BatchNorm: nil input")
	}
	xs := x.Shape()
	if len(xs) != 2 && len(xs) != 4 {
		return nil, errors.Errorf("BatchNorm: x has shape %v, want (N,C) or (N,C,H,W)", xs)
	}
	if !(p.Eps >= 0) || !(p.Momentum >= 0 && p.Momentum <= 1) {
		return nil, errors.Errorf("BatchNorm: eps %g and momentum %g, want eps >= 0 and momentum in [0,1]", p.Eps, p.Momentum)
	}
	k := &bnKernel{id: nextID(), dims: len(xs), c: xs[1], p: p, stats: stats}
	if err := stats.check(k.c, x.Dtype(), xs); err != nil {
		return nil, errors.Wrap(err, "BatchNorm")
	}
	if p.Training && xs.TotalSize()/k.c < 2 {
		return nil, errors.Errorf("BatchNorm: x of shape %v has one value per channel; training needs more", xs)
	}
	if _, err := k.outShape([]tensor.Shape{xs, gamma.Shape(), beta.Shape()}); err != nil {
		return nil, err
	}
	return apply(k, k.name(), x, gamma, beta)
}

// bnKernel keeps, per channel, the statistics the step used, for the
// backward kernels of the same step.
type bnKernel struct {
	id    int64
	dims  int
	c     int
	p     BNParams
	stats RunningStats
	// mean, invstd: the statistics normalising this step; scale is
	// gamma*invstd. All (C).
	mean, invstd, scale []float64
	// The current call's tensors, for RunRange.
	x, gamma, beta, out *tensor.Dense
	wg                  sync.WaitGroup
}

func (k *bnKernel) name() string {
	mode := "eval"
	if k.p.Training {
		mode = "train"
	}
	return fmt.Sprintf("BatchNorm(%s,eps=%g,momentum=%g)#%d", mode, k.p.Eps, k.p.Momentum, k.id)
}

func (k *bnKernel) inDims() []int { return []int{k.dims, 1, 1} }

func (k *bnKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, errors.Errorf("BatchNorm: got %d inputs, want 3", len(in))
	}
	x, gamma, beta := in[0], in[1], in[2]
	if len(x) != k.dims || x[1] != k.c || !isVec(gamma, k.c) || !isVec(beta, k.c) {
		return nil, errors.Errorf("BatchNorm: x %v, gamma %v, beta %v; want gamma and beta (%d) for %d-D x with %d channels",
			x, gamma, beta, k.c, k.dims, k.c)
	}
	return x.Clone(), nil
}

// layout returns the batch size and the size of one channel's plane.
func (k *bnKernel) layout(x *tensor.Dense) (n, hw int) {
	s := x.Shape()
	return s[0], s.TotalSize() / (s[0] * k.c)
}

func (k *bnKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	if k.mean == nil {
		k.mean, k.invstd, k.scale = make([]float64, k.c), make([]float64, k.c), make([]float64, k.c)
	}
	k.x, k.gamma, k.beta, k.out = in[0], in[1], in[2], out
	defer func() { k.x, k.gamma, k.beta, k.out = nil, nil, nil, nil }()
	return splitFloat(in[0], k, k.c, in[0].Len(), &k.wg)
}

// RunRange normalises channels [lo, hi): every channel's statistics and
// output are its own.
func (k *bnKernel) RunRange(_, lo, hi int) {
	if k.x.Dtype() == tensor.Float32 {
		bnForward[float32](k, lo, hi)
	} else {
		bnForward[float64](k, lo, hi)
	}
}

func bnForward[T float](k *bnKernel, lo, hi int) {
	x, gamma, beta, y := elems[T](k.x), elems[T](k.gamma), elems[T](k.beta), elems[T](k.out)
	rm, rv := elems[T](k.stats.Mean), elems[T](k.stats.Var)
	n, hw := k.layout(k.x)
	for c := lo; c < hi; c++ {
		if k.p.Training {
			m := float64(n * hw)
			mean, sq := bnMoments(x, n, k.c, hw, c)
			v, mom := sq/m, k.p.Momentum
			rm[c] = T((1-mom)*float64(rm[c]) + mom*mean)
			rv[c] = T((1-mom)*float64(rv[c]) + mom*v*m/(m-1))
			k.mean[c], k.invstd[c] = mean, 1/math.Sqrt(v+k.p.Eps)
		} else {
			k.mean[c] = float64(rm[c])
			k.invstd[c] = 1 / math.Sqrt(float64(rv[c])+k.p.Eps)
		}
		sc := float64(gamma[c]) * k.invstd[c]
		k.scale[c] = sc
		a, b := T(sc), T(float64(beta[c])-k.mean[c]*sc)
		for i := 0; i < n; i++ {
			off := (i*k.c + c) * hw
			vec.ScaleShift(y[off:off+hw], x[off:off+hw], a, b)
		}
	}
}

// bnMoments returns the mean of channel ch of x, laid out (n, c, hw), and
// the sum of its squared deviations from the mean: two passes,
// accumulated in float64 (vec's kernels).
func bnMoments[T float](x []T, n, c, hw, ch int) (mean, sq float64) {
	for i := 0; i < n; i++ {
		mean += vec.Sum(x[(i*c+ch)*hw : (i*c+ch+1)*hw])
	}
	mean /= float64(n * hw)
	for i := 0; i < n; i++ {
		sq += vec.SumSqDev(x[(i*c+ch)*hw:(i*c+ch+1)*hw], mean)
	}
	return mean, sq
}

func (k *bnKernel) diffWRT() []bool { return []bool{true, true, true} }

func (k *bnKernel) grad(inputs G.Nodes, _, dy *G.Node) (G.Nodes, error) {
	gk := &bnParamGrad{fw: k}
	dgamma, err := apply(gk, gk.name(), inputs[0], dy)
	if err != nil {
		return nil, err
	}
	bk := &bnBetaGrad{g: gk}
	dbeta, err := apply(bk, bk.name(), dgamma)
	if err != nil {
		return nil, err
	}
	xk := &bnXGrad{g: gk}
	dx, err := apply(xk, xk.name(), inputs[0], dy, dgamma)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dgamma, dbeta}, nil
}
