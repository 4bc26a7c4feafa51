package dist

import (
	"slices"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// DefaultBucketBytes is the bucket size of GradReducer and BcastTensors
// when none is given: 25 MiB, DistributedDataParallel's bucket_cap_mb.
const DefaultBucketBytes = 25 << 20

// buckets packs a list of float tensors into a few flat buffers of at
// most cap bytes each (a tensor larger than cap gets a bucket of its
// own), one dtype a bucket, in list order, so that a collective runs once
// a bucket instead of once a tensor. The plan is made at the first call
// and remade when the tensors' dtypes or sizes change.
type buckets struct {
	cap  int
	sigs []sig
	bs   []bucket
}

type sig struct {
	dt tensor.Dtype
	n  int
}

type bucket struct {
	idx []int // tensors packed, in order
	f32 []float32
	f64 []float64
}

// usable checks that t is a contiguous float32 or float64 tensor.
func usable(what string, i int, t *tensor.Dense) error {
	if t == nil {
		return errors.Errorf("dist: %s %d is nil", what, i)
	}
	if t.RequiresIterator() {
		return errors.Errorf("dist: %s %d is a non-contiguous view", what, i)
	}
	if t.Dtype() != tensor.Float32 && t.Dtype() != tensor.Float64 {
		return errors.Errorf("dist: %s %d has dtype %v, want float32 or float64", what, i, t.Dtype())
	}
	return nil
}

// plan checks ts and (re)builds the buckets when the layout changed.
func (b *buckets) plan(what string, ts []*tensor.Dense) error {
	sigs := make([]sig, len(ts))
	for i, t := range ts {
		if err := usable(what, i, t); err != nil {
			return err
		}
		sigs[i] = sig{t.Dtype(), t.Shape().TotalSize()}
	}
	if slices.Equal(sigs, b.sigs) {
		return nil
	}
	b.sigs, b.bs = sigs, nil
	limit := b.cap
	if limit <= 0 {
		limit = DefaultBucketBytes
	}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		var cur bucket
		bytes, n := 0, 0
		flush := func() {
			if len(cur.idx) > 0 {
				if dt == tensor.Float32 {
					cur.f32 = make([]float32, n)
				} else {
					cur.f64 = make([]float64, n)
				}
				b.bs = append(b.bs, cur)
			}
			cur, bytes, n = bucket{}, 0, 0
		}
		for i, s := range sigs {
			if s.dt != dt {
				continue
			}
			size := s.n * int(dt.Size())
			if len(cur.idx) > 0 && bytes+size > limit {
				flush()
			}
			cur.idx = append(cur.idx, i)
			bytes += size
			n += s.n
		}
		flush()
	}
	return nil
}

// each packs every bucket from ts, calls fn with it and unpacks it back
// into ts.
func (b *buckets) each(ts []*tensor.Dense, fn func(*bucket) error) error {
	for k := range b.bs {
		bk := &b.bs[k]
		if bk.f32 != nil {
			moveAll(ts, bk.idx, bk.f32, true)
		} else {
			moveAll(ts, bk.idx, bk.f64, true)
		}
		if err := fn(bk); err != nil {
			return err
		}
		if bk.f32 != nil {
			moveAll(ts, bk.idx, bk.f32, false)
		} else {
			moveAll(ts, bk.idx, bk.f64, false)
		}
	}
	return nil
}

// moveAll copies the tensors idx of ts into flat, one after the other
// (pack), or back out of it.
func moveAll[T Float](ts []*tensor.Dense, idx []int, flat []T, pack bool) {
	off := 0
	for _, i := range idx {
		d := elems[T](ts[i])
		if pack {
			copy(flat[off:], d)
		} else {
			copy(d, flat[off:off+len(d)])
		}
		off += len(d)
	}
}

// elems returns t's elements; t is contiguous and of element type T.
func elems[T Float](t *tensor.Dense) []T {
	var d []T
	switch p := any(&d).(type) {
	case *[]float32:
		*p = t.Float32s()
	case *[]float64:
		*p = t.Float64s()
	}
	return d[:t.Shape().TotalSize()]
}

// collective runs the float32 or float64 form of a collective on a
// bucket.
func collective(bk *bucket, f32 func([]float32) error, f64 func([]float64) error) error {
	if bk.f32 != nil {
		return f32(bk.f32)
	}
	return f64(bk.f64)
}
