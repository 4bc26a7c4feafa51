package train

import (
	"math/rand"

	"github.com/convzoo/convzoo/data"
	"github.com/pkg/errors"
)

// Evaluate returns the mean cross-entropy and the accuracy of the model on
// ds, in evaluation mode (dropout off, batch norm on running statistics),
// batch by batch with the last batch padded. The evaluation graph is built
// on first use over the same Params as the training graph, so it always
// sees the current weights; it is rebuilt only when the batch size
// (EvalBatch clamped to ds.Len()) changes.
func (t *Trainer) Evaluate(ds data.Dataset) (loss, acc float64, err error) {
	m, err := t.EvaluateMetrics(ds)
	if err != nil {
		return 0, 0, err
	}
	return m.Loss(), m.Acc(), nil
}

// EvaluateMetrics evaluates as Evaluate and returns every metric: loss,
// top-1 and top-5 accuracy, and the confusion matrix over the model's
// output classes.
func (t *Trainer) EvaluateMetrics(ds data.Dataset) (*Metrics, error) {
	if err := t.check("evaluated set", ds); err != nil {
		return nil, err
	}
	batch := min(t.cfg.EvalBatch, ds.Len())
	if t.evalNet == nil || t.evalNet.batch != batch {
		rng := rand.New(rand.NewSource(derive(t.cfg.Seed, 2)))
		n, err := buildNet(t.model, t.ps, false, t.cfg.Dtype, rng, batch, t.input, t.lossOpts())
		if err != nil {
			return nil, err
		}
		t.evalNet = n
	}
	n := t.evalNet
	if err := classes(n.classes, "evaluated set", ds); err != nil {
		return nil, err
	}
	ld, err := data.NewLoader(ds, data.LoaderConfig{BatchSize: batch, Last: data.PadLast, Mean: t.cfg.Mean, Std: t.cfg.Std})
	if err != nil {
		return nil, errors.Wrap(err, "train: evaluation loader")
	}
	defer ld.Close()
	m := NewMetrics(n.classes)
	for {
		b, ok := ld.Next()
		if !ok {
			if err := ld.Err(); err != nil {
				return nil, errors.Wrap(err, "train: evaluating")
			}
			break
		}
		l, _, err := n.run(b, nil, 0)
		if err != nil {
			return nil, errors.Wrap(err, "train: evaluating")
		}
		if err := m.addValue(n.logitsV, b.Labels[:b.N]); err != nil {
			return nil, err
		}
		m.LossSum += l * float64(b.N)
	}
	return m, nil
}
