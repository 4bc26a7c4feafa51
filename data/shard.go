package data

import "github.com/pkg/errors"

// Shard makes a Loader return one rank's share of every epoch, for
// data-parallel training, with the semantics of PyTorch's
// DistributedSampler: every rank orders the whole data set the same way
// (give each rank's Loader a Rand of the same seed), and rank r takes the
// examples at positions r, r+Size, r+2·Size, ... of that order. The ranks'
// shards are disjoint, and batch b of the Size ranks together holds the
// examples of batch b of one unsharded Loader with Size times the batch
// size. The zero value shards nothing.
type Shard struct {
	Rank int // this rank, in [0, Size)
	Size int // number of ranks; 0 or 1 => no sharding
	// Tail says how the shards are evened out when Size does not divide
	// the data set; PadShards (0) repeats examples, as DistributedSampler.
	Tail ShardTail
}

// ShardTail says what a Shard does with the last Len mod Size examples.
type ShardTail int

const (
	// PadShards repeats the first examples of the epoch's order until
	// every rank has ceil(Len/Size) (DistributedSampler, drop_last=False).
	PadShards ShardTail = iota
	// DropShards drops the last examples of the epoch's order so that
	// every rank has floor(Len/Size) (drop_last=True).
	DropShards
	// UnevenShards neither repeats nor drops: the first Len mod Size ranks
	// have one example more. Every example is seen exactly once, which is
	// what a sharded evaluation needs; the ranks may run different numbers
	// of batches.
	UnevenShards
)

func (s Shard) sharded() bool { return s.Size > 1 }

func (s Shard) check() error {
	switch {
	case s.Size < 0:
		return errors.Errorf("data: NewLoader: negative Shard.Size %d", s.Size)
	case s.Rank < 0 || s.Rank >= max(s.Size, 1):
		return errors.Errorf("data: NewLoader: Shard.Rank %d is not a rank of %d", s.Rank, max(s.Size, 1))
	case s.Tail < PadShards || s.Tail > UnevenShards:
		return errors.Errorf("data: NewLoader: unknown Shard.Tail %d", s.Tail)
	}
	return nil
}

// Len is the number of examples of rank s.Rank out of a data set of n.
func (s Shard) Len(n int) int {
	switch {
	case !s.sharded():
		return n
	case s.Tail == PadShards:
		return (n + s.Size - 1) / s.Size
	case s.Tail == DropShards:
		return n / s.Size
	}
	return max(0, (n-s.Rank+s.Size-1)/s.Size)
}

// initShard sets the Loader up for its Shard: the whole data set's order
// goes to perm and the rank's share of it to order.
func (l *Loader) initShard() error {
	s := l.cfg.Shard
	if err := s.check(); err != nil {
		return err
	}
	if !s.sharded() {
		return nil
	}
	l.perm = make([]int, l.n)
	for i := range l.perm {
		l.perm[i] = i
	}
	l.n = s.Len(l.n)
	return nil
}

// pickShard copies the rank's examples of the epoch's order perm into
// order; position k of a padded order wraps around to k mod Len.
func (l *Loader) pickShard() {
	if l.perm == nil {
		return
	}
	s := l.cfg.Shard
	for k := range l.order {
		l.order[k] = l.perm[(s.Rank+k*s.Size)%len(l.perm)]
	}
}

// drawSeeds draws the epoch's per-batch augmentation seeds. Sharded, it
// draws Size seeds a batch and keeps its rank's, so that the ranks
// augment differently while their Rands stay in step.
func (l *Loader) drawSeeds() {
	ranks := max(l.cfg.Shard.Size, 1)
	for b := range l.seeds {
		for r := range ranks {
			v := l.cfg.Rand.Int63()
			if r == l.cfg.Shard.Rank {
				l.seeds[b] = v
			}
		}
	}
}
