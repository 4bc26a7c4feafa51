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
// (EvalBatch clamped to ds.Len()) changes. With Config.Dist, every rank
// must call it: each evaluates its shard and the sums are reduced.
func (t *Trainer) Evaluate(ds data.Dataset) (loss, acc float64, err error) {
	if err := t.check("evaluated set", ds); err != nil {
		return 0, 0, err
	}
	shard := t.shard(data.UnevenShards)
	batch := max(1, min(t.cfg.EvalBatch, shard.Len(ds.Len())))
	if t.evalNet == nil || t.evalNet.batch != batch {
		rng := rand.New(rand.NewSource(derive(t.cfg.Seed, 2)))
		n, err := buildNet(t.model, t.ps, false, t.cfg.Dtype, rng, batch, t.input)
		if err != nil {
			return 0, 0, err
		}
		t.evalNet = n
	}
	n := t.evalNet
	if err := classes(n.classes, "evaluated set", ds); err != nil {
		return 0, 0, err
	}
	ld, err := data.NewLoader(ds, data.LoaderConfig{BatchSize: batch, Last: data.PadLast, Mean: t.cfg.Mean, Std: t.cfg.Std, Shard: shard})
	if err != nil {
		return 0, 0, errors.Wrap(err, "train: evaluation loader")
	}
	defer ld.Close()
	var sum, correct, seen float64
	for {
		b, ok := ld.Next()
		if !ok {
			break
		}
		l, hits, err := n.run(b, nil, 0)
		if err != nil {
			return 0, 0, errors.Wrap(err, "train: evaluating")
		}
		sum += l * float64(b.N)
		correct += float64(hits)
		seen += float64(b.N)
	}
	if err := t.sumOverRanks(&sum, &correct, &seen); err != nil {
		return 0, 0, err
	}
	return sum / seen, correct / seen, nil
}
