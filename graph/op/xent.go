package op

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// SoftmaxCrossEntropy returns the mean over the batch of
// -log softmax(logits)[label], for logits (N,K) and labels (N) holding
// class indices as floats of the logits' dtype. A label < 0 marks a row to
// ignore (padding): the mean is over the other rows, and 0 if there are
// none. A label >= K, or one that is not a whole number, is an error at
// run time naming the row. The log-sum-exp is shifted by the row maximum,
// so large logits do not overflow. The gradient with respect to the logits
// is (softmax - onehot)/count on counted rows and 0 on ignored ones, times
// the upstream gradient; labels get none.
func SoftmaxCrossEntropy(logits, labels *G.Node) (*G.Node, error) {
	return SmoothedCrossEntropy(logits, labels, 0)
}

// SmoothedCrossEntropy is SoftmaxCrossEntropy with label smoothing eps in
// [0,1), as torch.nn.CrossEntropyLoss(label_smoothing=eps): the loss of a
// counted row is (1-eps)·(-log p[label]) + eps·mean_k(-log p[k]), the
// target being (1-eps)·onehot + eps/K. The gradient with respect to the
// logits is (softmax - (1-eps)·onehot - eps/K)/count. eps 0 is plain
// cross-entropy.
func SmoothedCrossEntropy(logits, labels *G.Node, eps float64) (*G.Node, error) {
	if logits == nil || labels == nil {
		return nil, errors.New("SoftmaxCrossEntropy: nil input")
	}
	if !(eps >= 0 && eps < 1) {
		return nil, errors.Errorf("SoftmaxCrossEntropy: label smoothing %v, want a value in [0,1)", eps)
	}
	k := &xentKernel{eps: eps}
	if _, err := k.outShape([]tensor.Shape{logits.Shape(), labels.Shape()}); err != nil {
		return nil, err
	}
	return apply(k, "SoftmaxCrossEntropy", logits, labels)
}

// xentKernel is the loss; eps is the label smoothing.
type xentKernel struct{ eps float64 }

func (k *xentKernel) name() string {
	if k.eps == 0 {
		return "SoftmaxCrossEntropy"
	}
	return fmt.Sprintf("SoftmaxCrossEntropy{smoothing=%g}", k.eps)
}
func (k *xentKernel) inDims() []int { return []int{2, 1} }
func (k *xentKernel) outDims() int  { return 0 }

func (k *xentKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) < 2 || len(in[0]) != 2 || len(in[1]) != 1 || in[1][0] != in[0][0] {
		var l, y tensor.Shape
		if len(in) >= 2 {
			l, y = in[0], in[1]
		}
		return nil, errors.Errorf("SoftmaxCrossEntropy: logits %v and labels %v, want (N,K) and (N)", l, y)
	}
	return tensor.ScalarShape(), nil
}

func (k *xentKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	return dispatch(in[0],
		func() error { return xentForward(in[0], elems[float32](in[1]), elems[float32](out), k.eps) },
		func() error { return xentForward(in[0], elems[float64](in[1]), elems[float64](out), k.eps) })
}

// xentLabel returns the class of row i, -1 when the row is ignored.
func xentLabel[T float](labels []T, i, k int) (int, error) {
	l := float64(labels[i])
	if l < 0 {
		return -1, nil
	}
	if l >= float64(k) || l != math.Trunc(l) {
		return 0, errors.Errorf("SoftmaxCrossEntropy: row %d has label %g, want a class index in [0,%d) or < 0 to ignore", i, l, k)
	}
	return int(l), nil
}

func xentForward[T float](logits *tensor.Dense, labels, out []T, eps float64) error {
	n, k := logits.Shape()[0], logits.Shape()[1]
	z := elems[T](logits)
	loss, count := 0.0, 0
	for i := 0; i < n; i++ {
		c, err := xentLabel(labels, i, k)
		if err != nil {
			return err
		}
		if c < 0 {
			continue
		}
		row := z[i*k : (i+1)*k]
		m := float64(row[0])
		for _, v := range row {
			m = max(m, float64(v))
		}
		s, sum := 0.0, 0.0
		for _, v := range row {
			s += math.Exp(float64(v) - m)
			sum += float64(v)
		}
		lse := m + math.Log(s)
		loss += (1-eps)*(lse-float64(row[c])) + eps*(lse-sum/float64(k))
		count++
	}
	if count > 0 {
		loss /= float64(count)
	}
	out[0] = T(loss)
	return nil
}

func (k *xentKernel) diffWRT() []bool { return []bool{true, false} }

func (k *xentKernel) grad(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dz, err := apply(&xentGrad{eps: k.eps}, "SoftmaxCrossEntropy gradient", inputs[0], inputs[1], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dz, nil}, nil
}

// xentGrad computes the gradient with respect to the logits; inputs
// (logits, labels, upstream scalar gradient); eps is the label smoothing.
type xentGrad struct{ eps float64 }

func (k *xentGrad) name() string {
	if k.eps == 0 {
		return "SoftmaxCrossEntropyGrad"
	}
	return fmt.Sprintf("SoftmaxCrossEntropyGrad{smoothing=%g}", k.eps)
}
func (k *xentGrad) inDims() []int { return []int{2, 1, 0} }

func (k *xentGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 3 || in[2].TotalSize() != 1 {
		return nil, errors.Errorf("SoftmaxCrossEntropyGrad: inputs %v, want (N,K), (N) and a scalar", in)
	}
	if _, err := (&xentKernel{}).outShape(in[:2]); err != nil {
		return nil, err
	}
	return in[0].Clone(), nil
}

func (k *xentGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	return dispatch(in[0],
		func() error { return xentBackward(in[0], elems[float32](in[1]), in[2], elems[float32](out), k.eps) },
		func() error { return xentBackward(in[0], elems[float64](in[1]), in[2], elems[float64](out), k.eps) })
}

func xentBackward[T float](logits *tensor.Dense, labels []T, g *tensor.Dense, out []T, eps float64) error {
	n, k := logits.Shape()[0], logits.Shape()[1]
	z := elems[T](logits)
	count := 0
	for i := 0; i < n; i++ {
		c, err := xentLabel(labels, i, k)
		if err != nil {
			return err
		}
		if c >= 0 {
			count++
		}
	}
	var up float64
	switch v := g.Data().(type) {
	case []T:
		up = float64(v[0])
	case T:
		up = float64(v)
	}
	if count > 0 {
		up /= float64(count)
	}
	for i := 0; i < n; i++ {
		row, o := z[i*k:(i+1)*k], out[i*k:(i+1)*k]
		c, _ := xentLabel(labels, i, k)
		if c < 0 {
			clear(o)
			continue
		}
		m := float64(row[0])
		for _, v := range row {
			m = max(m, float64(v))
		}
		s := 0.0
		for j, v := range row {
			e := math.Exp(float64(v) - m)
			s += e
			o[j] = T(e)
		}
		scale, uniform := up/s, up*eps/float64(k)
		for j := range o {
			o[j] = T(float64(o[j])*scale - uniform)
		}
		o[c] -= T(up * (1 - eps))
	}
	return nil
}
