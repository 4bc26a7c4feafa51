package train

import (
	"math"
	"math/rand"
	"sync"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/graph/op"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A net is the model compiled once at one batch size, in training or
// evaluation mode, with the tensors its inputs are bound to and its
// machine. Nets of one Trainer share the Params store.
type net struct {
	b            *graph.Builder
	x, y         *G.Node
	logits, loss *G.Node
	grads        G.Nodes        // training only, index-aligned with params
	params       []*graph.Param // training only
	gradT        []*tensor.Dense
	vm           G.VM
	xT, yT       *tensor.Dense
	logitsV      G.Value // copied out by a Read after every run
	lossV        G.Value
	batch        int
	classes      int
	plan         op.PlanStats // zero without a buffer plan
}

// buildNet builds the training graph of model over ps at the given batch
// size and input dims: the loss (with the auxiliary heads) and its
// gradients. xo configures the loss (label smoothing). Evaluation graphs
// are graph.Compile's.
// With plan, the machine's values share buffers (see compileMachine).
func buildNet(model graph.Model, ps *graph.Params, dt tensor.Dtype, rng *rand.Rand, batch int, dims [3]int, xo graph.CrossEntropyOpts, plan bool) (n *net, err error) {
	b := graph.NewBuilder(ps, graph.Config{Training: true, Dtype: dt, Rand: rng})
	defer func() {
		r := recover()
		switch {
		case r == nil:
		case b.Err() != nil:
			// A layer failed and returned nil, and the model read that node
			// (a nil pointer dereference): the layer's error is the cause.
			n, err = nil, errors.Wrapf(b.Err(), "train: building the training graph")
		default:
			n, err = nil, errors.Errorf("train: building the training graph: the model panicked: %v", r)
		}
	}()
	n = &net{b: b, batch: batch}
	n.x = b.Input("x", batch, dims[0], dims[1], dims[2])
	n.y = b.Input("labels", batch)
	n.logits = model(b, n.x)
	if err := b.Err(); err != nil {
		return nil, errors.Wrapf(err, "train: building the training graph")
	}
	if n.logits == nil || n.logits.Dims() != 2 || n.logits.Shape()[0] != batch {
		var s tensor.Shape
		if n.logits != nil {
			s = n.logits.Shape()
		}
		return nil, errors.Errorf("train: the model returned logits of shape %v, want (%d, classes)", s, batch)
	}
	n.classes = n.logits.Shape()[1]
	n.loss = b.CrossEntropyWith(n.logits, n.y, xo)
	for i, aux := range b.Aux() {
		l := b.CrossEntropyWith(aux.Logits, n.y, xo)
		if b.Err() != nil {
			break
		}
		if l, err = weighted(l, aux.Weight, dt); err == nil {
			n.loss, err = G.Add(n.loss, l)
		}
		if err != nil {
			return nil, errors.Wrapf(err, "train: adding auxiliary loss %d", i)
		}
	}
	if err := b.Err(); err != nil {
		return nil, errors.Wrapf(err, "train: building the training loss")
	}
	n.params = b.LearnableParams()
	if len(n.params) == 0 {
		return nil, errors.New("train: the model has no trainable parameters")
	}
	warmGrad.Do(hashGradOnes)
	if n.grads, err = G.Grad(n.loss, b.Learnables()...); err != nil {
		return nil, errors.Wrap(err, "train: differentiating the loss")
	}
	n.gradT = make([]*tensor.Dense, len(n.grads))
	G.Read(n.logits, &n.logitsV)
	G.Read(n.loss, &n.lossV)
	n.xT = tensor.New(tensor.WithShape(batch, dims[0], dims[1], dims[2]), tensor.Of(dt))
	n.yT = tensor.New(tensor.WithShape(batch), tensor.Of(dt))
	if n.vm, n.plan, err = compileMachine(b.Graph(), plan, append(G.Nodes{n.loss, n.logits}, n.grads...)); err != nil {
		return nil, err
	}
	return n, nil
}

// weighted returns w·l, or l itself when w is 1.
func weighted(l *G.Node, w float64, dt tensor.Dtype) (*G.Node, error) {
	if w == 1 {
		return l, nil
	}
	var c G.Value = G.NewF32(float32(w))
	if dt == tensor.Float64 {
		c = G.NewF64(w)
	}
	return G.Mul(l, G.NewConstant(c))
}

// run loads the batch (rows past b.N get label -1, which the loss
// ignores), runs the machine and returns the loss; the logits are left in
// n.logitsV. With an optimizer it then updates the parameters. The machine
// is reset before returning.
func (n *net) run(b *data.Batch, opt Optimizer, lr float64) (loss float64, err error) {
	defer n.vm.Reset()
	switch x := n.xT.Data().(type) {
	case []float32:
		copy(x, b.X)
		err = fillLabels(n.yT.Data().([]float32), b, n.classes)
	case []float64:
		for i, v := range b.X {
			x[i] = float64(v)
		}
		err = fillLabels(n.yT.Data().([]float64), b, n.classes)
	}
	if err != nil {
		return 0, err
	}
	if err := G.Let(n.x, n.xT); err != nil {
		return 0, errors.Wrap(err, "train: setting the input")
	}
	if err := G.Let(n.y, n.yT); err != nil {
		return 0, errors.Wrap(err, "train: setting the labels")
	}
	if err := n.vm.RunAll(); err != nil {
		return 0, errors.Wrap(err, "train: running the graph")
	}
	if loss, err = scalar(n.lossV); err != nil {
		return 0, err
	}
	if opt == nil || math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, nil
	}
	for i, g := range n.grads {
		d, ok := g.Value().(*tensor.Dense)
		if !ok {
			return 0, errors.Errorf("train: gradient of %q is %T, want a tensor", n.params[i].Name, g.Value())
		}
		n.gradT[i] = d
	}
	return loss, opt.Step(n.params, n.gradT, lr)
}

// fillLabels writes the labels of b's real rows into y, and -1 (which the
// loss ignores) into its padding rows. Only padding may be ignored: a real
// row's label outside [0, classes) is an error.
func fillLabels[T float](y []T, b *data.Batch, classes int) error {
	if b.N < 0 || b.N > len(y) || b.N > len(b.Labels) {
		return errors.Errorf("train: batch of %d rows with %d labels, the graph takes %d", b.N, len(b.Labels), len(y))
	}
	for i := range y {
		y[i] = -1
		if i < b.N {
			if l := b.Labels[i]; l < 0 || l >= classes {
				return errors.Errorf("train: row %d of the batch has label %d, want 0 to %d", i, l, classes-1)
			}
			y[i] = T(b.Labels[i])
		}
	}
	return nil
}

// scalar reads a float scalar value.
func scalar(v G.Value) (float64, error) {
	if v != nil {
		switch d := v.Data().(type) {
		case float32:
			return float64(d), nil
		case float64:
			return d, nil
		case []float32:
			if len(d) == 1 {
				return float64(d[0]), nil
			}
		case []float64:
			if len(d) == 1 {
				return d[0], nil
			}
		}
	}
	return 0, errors.Errorf("train: the loss is %v, want a float scalar", v)
}

// warmGrad makes G.Grad safe to call from several goroutines at once (one
// Trainer a rank, in-process): Grad adds Gorgonia's package-level
// constant 1 (one node per dtype, shared by every graph) to the graph,
// and that node's hash is computed on first use without a lock, a data
// race between two first calls. hashGradOnes makes that first use, once.
var warmGrad sync.Once

func hashGradOnes() {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		g := G.NewGraph()
		x := G.NewScalar(g, dt, G.WithName("x"))
		G.Grad(x, x) //nolint:errcheck // only its side effect on the shared constant matters
	}
}
