package dist

import (
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// rankTensors returns rank r's tensors: float32 of sizes 3, 100, 5 and a
// float64 of size 7, element i of tensor k equal to (r+1)*(i+1) + k.
func rankTensors(r int) []*tensor.Dense {
	var ts []*tensor.Dense
	for k, n := range []int{3, 100, 5} {
		d := make([]float32, n)
		for i := range d {
			d[i] = float32((r+1)*(i+1) + k)
		}
		ts = append(ts, tensor.New(tensor.WithShape(n), tensor.WithBacking(d)))
	}
	d := make([]float64, 7)
	for i := range d {
		d[i] = float64((r+1)*(i+1) + 3)
	}
	return append(ts, tensor.New(tensor.WithShape(7, 1), tensor.WithBacking(d)))
}

func TestGradReducerAveragesInBuckets(t *testing.T) {
	const n = 3
	reducers := make([]*GradReducer, n)
	got := make([][]*tensor.Dense, n)
	noErrors(t, runRanks(t, n, func(c Comm) error {
		// 64 bytes: the float32 tensors go to buckets {3}, {100}, {5}.
		r := &GradReducer{Comm: c, BucketBytes: 64}
		reducers[c.Rank()] = r
		ts := rankTensors(c.Rank())
		got[c.Rank()] = ts
		for range 2 { // a second call reuses the plan; the mean of equal values is unchanged
			if err := r.Reduce(ts); err != nil {
				return err
			}
		}
		return nil
	}))
	if b := reducers[0].Buckets(); b != 4 {
		t.Errorf("%d buckets, want 4 (3 float32, 1 float64)", b)
	}
	// mean over r of (r+1)*(i+1)+k is 2*(i+1)+k for 3 ranks.
	for r := range n {
		for k, ts := range got[r] {
			switch d := ts.Data().(type) {
			case []float32:
				for i, v := range d {
					if want := float32(2*(i+1) + k); v != want {
						t.Fatalf("rank %d tensor %d [%d] = %v, want %v", r, k, i, v, want)
					}
				}
			case []float64:
				for i, v := range d {
					if want := float64(2*(i+1) + k); v != want {
						t.Fatalf("rank %d tensor %d [%d] = %v, want %v", r, k, i, v, want)
					}
				}
			}
		}
	}
}

func TestGradReducerDefaultBucketHoldsAll(t *testing.T) {
	noErrors(t, runRanks(t, 2, func(c Comm) error {
		r := &GradReducer{Comm: c}
		if err := r.Reduce(rankTensors(c.Rank())); err != nil {
			return err
		}
		if r.Buckets() != 2 {
			t.Errorf("%d buckets at 25 MiB, want 2 (one a dtype)", r.Buckets())
		}
		return nil
	}))
}

func TestGradReducerErrors(t *testing.T) {
	cs, _ := NewLocal(2)
	ints := tensor.New(tensor.WithShape(2), tensor.WithBacking([]int{1, 2}))
	r := &GradReducer{Comm: cs[0]}
	if err := r.Reduce([]*tensor.Dense{ints}); err == nil || !strings.Contains(err.Error(), "gradient 0 has dtype int") {
		t.Errorf("int gradient: %v", err)
	}
	if err := r.Reduce([]*tensor.Dense{nil}); err == nil || !strings.Contains(err.Error(), "gradient 0 is nil") {
		t.Errorf("nil gradient: %v", err)
	}
	if err := (&GradReducer{}).Reduce(nil); err == nil {
		t.Error("Reduce without a Comm succeeded")
	}
	one, _ := NewLocal(1)
	ts := rankTensors(5)
	if err := (&GradReducer{Comm: one[0]}).Reduce(ts); err != nil || ts[0].Data().([]float32)[0] != 6 {
		t.Errorf("one rank changed the gradients or failed: %v", err)
	}
}

func TestBcastTensors(t *testing.T) {
	got := make([][]*tensor.Dense, 3)
	noErrors(t, runRanks(t, 3, func(c Comm) error {
		ts := rankTensors(c.Rank())
		got[c.Rank()] = ts
		return BcastTensors(c, 1, ts, 16)
	}))
	want := rankTensors(1)
	for r := range got {
		for k := range want {
			if !got[r][k].Eq(want[k]) {
				t.Errorf("rank %d tensor %d: %v, want rank 1's %v", r, k, got[r][k], want[k])
			}
		}
	}
}
