package train

import (
	"math/rand"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Evaluate returns the mean cross-entropy and the accuracy of the model on
// ds, in evaluation mode (dropout off, batch norm on running statistics),
// batch by batch with the last batch padded. The evaluation graph is built
// on first use over the same Params as the training graph, so it always
// sees the current weights; it is rebuilt only when the batch size
// (EvalBatch clamped to ds.Len()) changes. With Config.Dist, every rank
// must call it: each evaluates its shard and the sums are reduced.
func (t *Trainer) Evaluate(ds data.Dataset) (loss, acc float64, err error) {
	m, err := t.EvaluateMetrics(ds)
	if err != nil {
		return 0, 0, err
	}
	return m.Loss(), m.Acc(), nil
}

// EvaluateMetrics evaluates as Evaluate and returns every metric: loss,
// top-1 and top-5 accuracy, and the confusion matrix over the model's
// output classes. With Config.Dist, an error on one rank ends the job
// (Comm.Abort), as in Fit, instead of leaving the others in the reduction.
func (t *Trainer) EvaluateMetrics(ds data.Dataset) (_ *Metrics, err error) {
	defer t.abortOnError(&err)
	return t.evaluateMetrics(ds)
}

// evaluateMetrics is EvaluateMetrics without the abort (Fit has its own).
func (t *Trainer) evaluateMetrics(ds data.Dataset) (*Metrics, error) {
	if err := t.check("evaluated set", ds); err != nil {
		return nil, err
	}
	shard := t.shard(data.UnevenShards)
	batch := max(1, min(t.cfg.EvalBatch, shard.Len(ds.Len())))
	if t.evalNet == nil || t.evalNet.Batch() != batch {
		if t.evalNet != nil {
			t.evalNet.Close()
		}
		rng := rand.New(rand.NewSource(derive(t.cfg.Seed, 2)))
		n, err := graph.Compile(t.model, t.ps, graph.CompileConfig{Batch: batch, Input: t.input[:], Dtype: t.cfg.Dtype, Rand: rng})
		if err != nil {
			t.evalNet = nil
			return nil, errors.Wrap(err, "train: building the evaluation graph")
		}
		t.evalNet = n
	}
	n := t.evalNet
	if err := classes(n.Classes(), "evaluated set", ds); err != nil {
		return nil, err
	}
	ld, err := data.NewLoader(ds, data.LoaderConfig{BatchSize: batch, Last: data.PadLast, Mean: t.cfg.Mean, Std: t.cfg.Std, Shard: shard})
	if err != nil {
		return nil, errors.Wrap(err, "train: evaluation loader")
	}
	defer ld.Close()
	in := t.input
	m := NewMetrics(n.Classes())
	for {
		b, ok := ld.Next()
		if !ok {
			if err := ld.Err(); err != nil {
				return nil, errors.Wrap(err, "train: evaluating")
			}
			break
		}
		x := tensor.New(tensor.WithShape(b.N, in[0], in[1], in[2]), tensor.WithBacking(b.X[:b.N*in[0]*in[1]*in[2]]))
		if t.cfg.Dtype == tensor.Float64 {
			x64 := make([]float64, x.Size())
			for i, v := range b.X[:len(x64)] {
				x64[i] = float64(v)
			}
			x = tensor.New(tensor.WithShape(x.Shape()...), tensor.WithBacking(x64))
		}
		logits, err := n.Forward(x)
		if err != nil {
			return nil, errors.Wrap(err, "train: evaluating")
		}
		labels := b.Labels[:b.N]
		if err := m.Add(logits.Data(), n.Classes(), labels); err != nil {
			return nil, err
		}
		m.LossSum += crossEntropySum(logits.Data(), n.Classes(), labels, t.cfg.LabelSmoothing)
	}
	if err := t.reduceMetrics(m); err != nil {
		return nil, err
	}
	return m, nil
}
