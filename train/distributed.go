package train

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/dist"
	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Data parallelism (Config.Dist), with DistributedDataParallel's
// semantics: Fit starts every rank from rank 0's weights and buffers,
// gives each rank a disjoint shard of every epoch's shuffled order
// (data.Shard, padded so that every rank runs the same steps), averages
// the gradients after every backward pass (dist.GradReducer, 25 MiB
// buckets), and takes the same optimizer step on every rank. Batch norm
// uses each rank's local batch statistics. BatchSize is per rank; the
// global batch is BatchSize × Size. Evaluation is sharded and reduced, so
// every rank gets the statistics of the whole set, and the epoch's
// training loss and accuracy are summed over the ranks at every step (so
// that a state saved by rank 0 holds the whole job's): hooks see the
// same EpochStats on every rank (State.Loss in OnStep is the rank's own).
// Hooks run on every rank; give the ones that write files to rank 0 only.
// An error on one rank is printed to stderr with the rank and ends the
// whole job with Comm.Abort, so no rank waits forever for it.

// distributed reports whether the Trainer runs with more than one rank.
func (t *Trainer) distributed() bool { return t.cfg.Dist != nil && t.cfg.Dist.Size() > 1 }

// shard is rank's share of the training or evaluated set.
func (t *Trainer) shard(tail data.ShardTail) data.Shard {
	if !t.distributed() {
		return data.Shard{}
	}
	return data.Shard{Rank: t.cfg.Dist.Rank(), Size: t.cfg.Dist.Size(), Tail: tail}
}

// stepSeed is the seed of the rank's step: rank 0 keeps Seed, the others
// draw other dropout masks (their initial weights are replaced by rank
// 0's).
func (t *Trainer) stepSeed() int64 {
	if !t.distributed() || t.cfg.Dist.Rank() == 0 {
		return t.cfg.Seed
	}
	return derive(t.cfg.Seed, 16+uint64(t.cfg.Dist.Rank()))
}

// gradReducer returns the step's gradient hook: nil with one rank.
func (t *Trainer) gradReducer() func([]*graph.Param, []*tensor.Dense) error {
	if !t.distributed() {
		return nil
	}
	r := &dist.GradReducer{Comm: t.cfg.Dist}
	return func(_ []*graph.Param, grads []*tensor.Dense) error { return r.Reduce(grads) }
}

// syncParams copies rank 0's weights and buffers to every rank.
func (t *Trainer) syncParams() error {
	if !t.distributed() {
		return nil
	}
	all := t.ps.All()
	ts := make([]*tensor.Dense, len(all))
	for i, p := range all {
		ts[i] = p.Value
	}
	return errors.Wrap(dist.BcastTensors(t.cfg.Dist, 0, ts, 0), "train: broadcasting rank 0's parameters")
}

// sumOverRanks replaces each value by its sum over the ranks.
func (t *Trainer) sumOverRanks(vs ...*float64) error {
	if !t.distributed() {
		return nil
	}
	buf := make([]float64, len(vs))
	for i, v := range vs {
		buf[i] = *v
	}
	if err := t.cfg.Dist.AllreduceFloat64(buf); err != nil {
		return errors.Wrap(err, "train: reducing statistics")
	}
	for i, v := range vs {
		*v = buf[i]
	}
	return nil
}

// abortOnError ends the job when *err is set on one rank of several: it
// names the rank in the error, prints it (Abort may end the process) and
// aborts every rank.
func (t *Trainer) abortOnError(err *error) {
	if *err == nil || !t.distributed() {
		return
	}
	c := t.cfg.Dist
	*err = errors.Wrapf(*err, "train: rank %d of %d", c.Rank(), c.Size())
	fmt.Fprintln(os.Stderr, *err)
	c.Abort(1)
}

// chainGrads runs the gradient hooks in order (nil ones skipped): the ranks'
// average first, then clipping, as DDP and torchvision's train.py do.
func chainGrads(hooks ...func([]*graph.Param, []*tensor.Dense) error) func([]*graph.Param, []*tensor.Dense) error {
	var hs []func([]*graph.Param, []*tensor.Dense) error
	for _, h := range hooks {
		if h != nil {
			hs = append(hs, h)
		}
	}
	if len(hs) == 0 {
		return nil
	}
	return func(ps []*graph.Param, gs []*tensor.Dense) error {
		for _, h := range hs {
			if err := h(ps, gs); err != nil {
				return err
			}
		}
		return nil
	}
}

// reduceMetrics sums m's counts over the ranks, the confusion matrix too.
func (t *Trainer) reduceMetrics(m *Metrics) error {
	if !t.distributed() {
		return nil
	}
	buf := []float64{m.LossSum, float64(m.Count), float64(m.Top1), float64(m.Top5)}
	for _, row := range m.Confusion {
		for _, c := range row {
			buf = append(buf, float64(c))
		}
	}
	if err := t.cfg.Dist.AllreduceFloat64(buf); err != nil {
		return errors.Wrap(err, "train: reducing the evaluation")
	}
	m.LossSum, m.Count, m.Top1, m.Top5 = buf[0], int(buf[1]), int(buf[2]), int(buf[3])
	i := 4
	for _, row := range m.Confusion {
		for j := range row {
			row[j] = int(buf[i])
			i++
		}
	}
	return nil
}

// readState reads a saved state (ReadSafetensorsShared over Config.Dist).
func (t *Trainer) readState(path string) (map[string]*tensor.Dense, map[string]string, error) {
	return ReadSafetensorsShared(t.cfg.Dist, path)
}

// ReadSafetensorsShared reads a safetensors file. With several ranks in c,
// rank 0 alone reads it (a FIFO or device is refused) and broadcasts its
// bytes (dist.BcastBytes), so the file need be on rank 0's disk only;
// every rank decodes the same bytes. With c nil or one rank it is
// graph.ReadSafetensorsFile.
func ReadSafetensorsShared(c dist.Comm, path string) (map[string]*tensor.Dense, map[string]string, error) {
	if c == nil || c.Size() < 2 {
		return graph.ReadSafetensorsFile(path)
	}
	var b []byte
	var err error
	if c.Rank() == 0 {
		b, err = readRegular(path)
	}
	if b, err = dist.BcastBytes(c, b, err, 0); err != nil {
		return nil, nil, err
	}
	return graph.ReadSafetensors(bytes.NewReader(b), path)
}

func readRegular(path string) ([]byte, error) {
	f, err := safefile.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
