package data

import (
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// shardIDs returns the example ids of two epochs of rank r's Loader.
func shardIDs(t *testing.T, n, bs int, s Shard, last Last) (ids [2][][]int, batches int) {
	t.Helper()
	l := mustLoader(t, idSet(n), LoaderConfig{BatchSize: bs, Shuffle: true, Rand: rand.New(rand.NewSource(7)), Shard: s, Last: last})
	return [2][][]int{epochIDs(t, l), epochIDs(t, l)}, l.Batches()
}

func flat(bs [][]int) []int {
	var r []int
	for _, b := range bs {
		r = append(r, b...)
	}
	return r
}

func TestShardSplitsTheSameOrder(t *testing.T) {
	// One Loader with batch 6 over 12 examples, and 3 ranks with batch 2:
	// batch b of the ranks together is batch b of the single Loader, in
	// both epochs (the ranks' orders follow the single Loader's).
	whole, _ := shardIDs(t, 12, 6, Shard{}, DropLast)
	var ranks [3][2][][]int
	for r := range 3 {
		ranks[r], _ = shardIDs(t, 12, 2, Shard{Rank: r, Size: 3}, DropLast)
	}
	for e := range 2 {
		for b, want := range whole[e] {
			var got []int
			for k := range 2 {
				for r := range 3 {
					got = append(got, ranks[r][e][b][k])
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("epoch %d batch %d: ranks interleaved %v, one loader %v", e, b, got, want)
			}
		}
	}
	if reflect.DeepEqual(whole[0], whole[1]) {
		t.Error("the two epochs have the same order")
	}
}

func TestShardTails(t *testing.T) {
	for _, c := range []struct {
		tail     ShardTail
		lens     [3]int // examples per rank out of 10
		distinct int    // distinct examples over the ranks
	}{
		{PadShards, [3]int{4, 4, 4}, 10},
		{DropShards, [3]int{3, 3, 3}, 9},
		{UnevenShards, [3]int{4, 3, 3}, 10},
	} {
		seen := map[int]int{}
		for r := range 3 {
			ids, batches := shardIDs(t, 10, 1, Shard{Rank: r, Size: 3, Tail: c.tail}, DropLast)
			got := flat(ids[0])
			if len(got) != c.lens[r] || batches != c.lens[r] {
				t.Errorf("tail %d rank %d: %d examples, %d batches, want %d", c.tail, r, len(got), batches, c.lens[r])
			}
			for _, id := range got {
				seen[id]++
			}
		}
		if len(seen) != c.distinct {
			t.Errorf("tail %d: %d distinct examples, want %d (%v)", c.tail, len(seen), c.distinct, seen)
		}
		if c.tail != PadShards {
			for id, k := range seen {
				if k != 1 {
					t.Errorf("tail %d: example %d seen %d times", c.tail, id, k)
				}
			}
		}
	}
	// Padding wraps around as often as needed: 2 examples over 5 ranks.
	for r := range 5 {
		ids, _ := shardIDs(t, 2, 1, Shard{Rank: r, Size: 5}, DropLast)
		if len(flat(ids[0])) != 1 {
			t.Errorf("rank %d of 5 over 2 examples: %v", r, ids[0])
		}
	}
}

func TestShardAugmentsDifferentlyInStep(t *testing.T) {
	var seeds [2][]int64
	var next [2]int64
	for r := range 2 {
		rng := rand.New(rand.NewSource(3))
		l := mustLoader(t, idSet(8), LoaderConfig{BatchSize: 2, Shuffle: true, Rand: rng,
			Augment: []Transform{HorizontalFlip{P: 0.5}}, Shard: Shard{Rank: r, Size: 2}})
		l.Epoch()
		seeds[r] = slices.Clone(l.seeds)
		next[r] = rng.Int63()
	}
	if len(seeds[0]) != 2 || slices.Equal(seeds[0], seeds[1]) {
		t.Errorf("augmentation seeds of ranks 0 and 1: %v and %v, want two different pairs", seeds[0], seeds[1])
	}
	if next[0] != next[1] {
		t.Error("the ranks' Rands are out of step after an epoch")
	}
}

func TestShardErrors(t *testing.T) {
	for _, c := range []struct {
		s    Shard
		want string
	}{
		{Shard{Size: -1}, "negative Shard.Size"},
		{Shard{Rank: 2, Size: 2}, "Shard.Rank 2 is not a rank of 2"},
		{Shard{Rank: 1}, "Shard.Rank 1 is not a rank of 1"},
		{Shard{Rank: -1, Size: 3}, "Shard.Rank -1"},
		{Shard{Size: 2, Tail: 7}, "unknown Shard.Tail 7"},
	} {
		_, err := NewLoader(idSet(4), LoaderConfig{Shard: c.s})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.s, err, c.want)
		}
	}
}
