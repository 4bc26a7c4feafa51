package dist

import (
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// A GradReducer averages gradients across the ranks of a Comm, as
// DistributedDataParallel does after backward: the gradient tensors are
// copied into a few flat buckets of at most BucketBytes, each bucket is
// summed over the ranks by one Allreduce and divided by the number of
// ranks, and the means are copied back. Its Reduce method fits
// train.Config's gradient-reduction hook. A GradReducer is used by one
// goroutine.
type GradReducer struct {
	Comm Comm
	// BucketBytes bounds the size of one Allreduce; 0 means
	// DefaultBucketBytes (25 MiB). A tensor larger than that gets a bucket
	// of its own.
	BucketBytes int

	b buckets
}

// Reduce replaces every gradient in grads, on every rank, by its mean
// over the ranks. Every rank must call it with tensors of the same dtypes
// and sizes in the same order. With one rank it does nothing.
func (r *GradReducer) Reduce(grads []*tensor.Dense) error {
	if r.Comm == nil {
		return errors.New("dist: GradReducer without a Comm")
	}
	if r.Comm.Size() == 1 {
		return nil
	}
	r.b.cap = r.BucketBytes
	if err := r.b.plan("gradient", grads); err != nil {
		return err
	}
	err := r.b.each(grads, func(bk *bucket) error {
		return collective(bk,
			func(b []float32) error { return AllreduceMean(r.Comm, b) },
			func(b []float64) error { return AllreduceMean(r.Comm, b) })
	})
	return errors.Wrap(err, "dist: averaging gradients")
}

// Buckets returns the number of Allreduce calls each Reduce makes (after
// the first).
func (r *GradReducer) Buckets() int { return len(r.b.bs) }

// BcastTensors copies root's tensors into every other rank's, in place,
// a few buckets of at most bucketBytes (0: DefaultBucketBytes) at a time.
// It is how every rank starts from rank 0's initial weights and buffers.
func BcastTensors(c Comm, root int, ts []*tensor.Dense, bucketBytes int) error {
	if err := CheckRoot(root, c.Size()); err != nil {
		return err
	}
	if c.Size() == 1 {
		return nil
	}
	b := buckets{cap: bucketBytes}
	if err := b.plan("tensor", ts); err != nil {
		return err
	}
	err := b.each(ts, func(bk *bucket) error {
		return collective(bk,
			func(b []float32) error { return c.BcastFloat32(b, root) },
			func(b []float64) error { return c.BcastFloat64(b, root) })
	})
	return errors.Wrapf(err, "dist: broadcasting from rank %d", root)
}
