package data

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// idSet returns n 1x2x2 examples whose pixels all equal the example's index, labels
// index % 3.
func idSet(n int) *Set {
	s := &Set{Name: "ids", C: 1, H: 2, W: 2, Classes: 3}
	for i := range n {
		s.Images = append(s.Images, byte(i), byte(i), byte(i), byte(i))
		s.Labels = append(s.Labels, byte(i%3))
	}
	return s
}

// randomSet returns n examples of random pixels.
func randomSet(n, c, h, w int, seed int64) *Set {
	rng := rand.New(rand.NewSource(seed))
	s := &Set{Name: "random", C: c, H: h, W: w, Classes: 7}
	s.Images = make([]byte, n*c*h*w)
	rng.Read(s.Images)
	for range n {
		s.Labels = append(s.Labels, byte(rng.Intn(7)))
	}
	return s
}

func mustLoader(t *testing.T, ds Dataset, cfg LoaderConfig) *Loader {
	t.Helper()
	l, err := NewLoader(ds, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// epochIDs runs one epoch and returns the example index of every real example, batch
// by batch, checking labels and padding on the way.
func epochIDs(t *testing.T, l *Loader) [][]int {
	t.Helper()
	var out [][]int
	l.Epoch()
	for b, ok := l.Next(); ok; b, ok = l.Next() {
		var ids []int
		for k := range b.N {
			id := int(b.X[k*4]*255 + 0.5)
			if b.Labels[k] != id%3 {
				t.Errorf("example %d has label %d, want %d", id, b.Labels[k], id%3)
			}
			ids = append(ids, id)
		}
		for k := b.N; k < len(b.Labels); k++ {
			if b.Labels[k] != 0 || b.X[k*4] != 0 || b.X[len(b.X)-1] != 0 {
				t.Errorf("padding example %d not zero", k)
			}
		}
		out = append(out, ids)
	}
	return out
}

func TestLoaderLastPolicy(t *testing.T) {
	ds := idSet(10)
	drop := mustLoader(t, ds, LoaderConfig{BatchSize: 4})
	pad := mustLoader(t, ds, LoaderConfig{BatchSize: 4, Last: PadLast})
	if drop.Batches() != 2 || pad.Batches() != 3 {
		t.Fatalf("Batches: DropLast %d, PadLast %d; want 2, 3", drop.Batches(), pad.Batches())
	}
	if got := epochIDs(t, drop); !reflect.DeepEqual(got, [][]int{{0, 1, 2, 3}, {4, 5, 6, 7}}) {
		t.Errorf("DropLast epoch %v", got)
	}
	if got := epochIDs(t, pad); !reflect.DeepEqual(got, [][]int{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}) {
		t.Errorf("PadLast epoch %v", got)
	}
	if l := mustLoader(t, idSet(130), LoaderConfig{}); l.BatchSize() != 64 || l.Batches() != 2 {
		t.Errorf("default batch size %d, %d batches; want 64, 2", l.BatchSize(), l.Batches())
	}
	// Next starts the first epoch by itself and then stays at the end until Epoch.
	l := mustLoader(t, ds, LoaderConfig{BatchSize: 8})
	if _, ok := l.Next(); !ok {
		t.Fatal("first Next without Epoch returned false")
	}
	if _, ok := l.Next(); ok {
		t.Fatal("second Next of a one-batch epoch returned true")
	}
	if _, ok := l.Next(); ok {
		t.Fatal("Next after the end returned true")
	}
}

func TestLoaderShuffle(t *testing.T) {
	ds := idSet(50)
	cfg := func(seed int64) LoaderConfig {
		return LoaderConfig{BatchSize: 8, Shuffle: true, Last: PadLast, Rand: rand.New(rand.NewSource(seed))}
	}
	a, b, c := mustLoader(t, ds, cfg(1)), mustLoader(t, ds, cfg(1)), mustLoader(t, ds, cfg(2))
	var prev [][]int
	for epoch := range 3 {
		ea, eb, ec := epochIDs(t, a), epochIDs(t, b), epochIDs(t, c)
		if !reflect.DeepEqual(ea, eb) {
			t.Errorf("epoch %d: same seed, different order:\n%v\n%v", epoch, ea, eb)
		}
		if reflect.DeepEqual(ea, ec) {
			t.Errorf("epoch %d: seeds 1 and 2 give the same order", epoch)
		}
		if reflect.DeepEqual(ea, prev) {
			t.Errorf("epoch %d has the order of the epoch before", epoch)
		}
		prev = ea
		seen := make([]int, ds.Len())
		for _, batch := range ea {
			for _, id := range batch {
				seen[id]++
			}
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("epoch %d: example %d seen %d times", epoch, id, n)
			}
		}
	}
}

func TestLoaderNormalise(t *testing.T) {
	ds := &Set{Name: "rgb", C: 3, H: 1, W: 2, Classes: 1,
		Images: []byte{0, 255, 51, 102, 10, 20}, Labels: []byte{0}}
	l := mustLoader(t, ds, LoaderConfig{BatchSize: 1, Mean: []float32{0.5, 0.25, 0}, Std: []float32{0.5, 0.2, 2}})
	b, ok := l.Next()
	if !ok {
		t.Fatal("no batch")
	}
	want := []float32{-1, 1, (0.2 - 0.25) / 0.2, (0.4 - 0.25) / 0.2, 10.0 / 255 / 2, 20.0 / 255 / 2}
	for i := range want {
		if d := b.X[i] - want[i]; d > 1e-6 || d < -1e-6 {
			t.Errorf("X[%d] = %v, want %v", i, b.X[i], want[i])
		}
	}
}

// Workers > 0 must give the batches of Workers == 0, bit for bit, with shuffling and
// random augmentation, across epochs, early Epoch calls and Close.
func TestLoaderWorkersIdentical(t *testing.T) {
	ds := randomSet(53, 3, 5, 6, 9)
	run := func(workers int) [][]float32 {
		l := mustLoader(t, ds, LoaderConfig{
			BatchSize: 4, Shuffle: true, Last: PadLast, Rand: rand.New(rand.NewSource(42)),
			Mean: []float32{0.4, 0.5, 0.6}, Std: []float32{0.2, 0.3, 0.25},
			Augment: []Transform{RandomCrop{Padding: 2}, HorizontalFlip{}}, Workers: workers,
		})
		defer l.Close()
		var out [][]float32
		record := func(b *Batch) {
			row := append([]float32{float32(b.N)}, b.X...)
			for _, lab := range b.Labels {
				row = append(row, float32(lab))
			}
			out = append(out, row)
		}
		for epoch := range 4 {
			l.Epoch()
			for k := 0; ; k++ {
				if epoch == 1 && k == 3 {
					break // abandon the epoch early
				}
				if epoch == 2 && k == 5 {
					l.Close() // stop the workers, then carry on
				}
				b, ok := l.Next()
				if !ok {
					break
				}
				record(b)
			}
		}
		return out
	}
	want := run(0)
	if len(want) != 3*14+3 {
		t.Fatalf("%d batches, want %d", len(want), 3*14+3)
	}
	for _, w := range []int{1, 2, 5} {
		got := run(w)
		if len(got) != len(want) {
			t.Fatalf("Workers=%d: %d batches, want %d", w, len(got), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("Workers=%d: batch %d differs from Workers=0", w, i)
			}
		}
	}
}

func TestNewLoaderErrors(t *testing.T) {
	ds := idSet(5)
	rng := rand.New(rand.NewSource(1))
	tests := []struct {
		name string
		cfg  LoaderConfig
		want string
	}{
		{"negative-batch", LoaderConfig{BatchSize: -1}, "BatchSize"},
		{"negative-workers", LoaderConfig{Workers: -2}, "Workers"},
		{"shuffle-no-rand", LoaderConfig{Shuffle: true}, "Rand"},
		{"augment-no-rand", LoaderConfig{Augment: []Transform{HorizontalFlip{}}}, "Rand"},
		{"mean-len", LoaderConfig{Mean: []float32{0.1, 0.2}}, "Mean"},
		{"std-len", LoaderConfig{Std: []float32{}}, "Std"},
		{"std-zero", LoaderConfig{Mean: []float32{0.1}, Std: []float32{0}}, "positive"},
		{"std-negative", LoaderConfig{Std: []float32{-1}}, "positive"},
		{"last", LoaderConfig{Last: 7}, "Last"},
		{"nil-transform", LoaderConfig{Rand: rng, Augment: []Transform{nil}}, "Augment[0]"},
		{"crop", LoaderConfig{Rand: rng, Augment: []Transform{HorizontalFlip{}, RandomCrop{Padding: -1}}}, "Augment[1]"},
		{"flip", LoaderConfig{Rand: rng, Augment: []Transform{HorizontalFlip{P: 1.5}}}, "probability"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewLoader(ds, tc.cfg)
			if err == nil {
				t.Fatal("no error")
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "data: NewLoader") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q, want it to contain %q", msg, tc.want)
			}
		})
	}
	if _, err := NewLoader(nil, LoaderConfig{}); err == nil {
		t.Error("nil Dataset: no error")
	}
}
