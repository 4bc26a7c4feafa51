package graph_test

import (
	"math"
	"math/rand"
	"path/filepath"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// winoNet has two 64-channel 3x3 convolutions, which take the Winograd
// path, whose transformed filters an inference Net keeps from call to
// call while the weights stay the same.
func winoNet(b *graph.Builder, x *G.Node) *G.Node {
	x = b.Conv2d("conv1", x, 64, 3, graph.Conv2dOpts{Padding: 1})
	x = b.ReLU("relu1", x)
	x = b.Conv2d("conv2", x, 64, 3, graph.Conv2dOpts{Padding: 1})
	x = b.ReLU("relu2", x)
	x = b.Conv2d("conv3", x, 64, 3, graph.Conv2dOpts{Padding: 1})
	x = b.Flatten("flatten", x)
	return b.Linear("fc", x, 5, graph.LinearOpts{})
}

// TestForwardSeesWeightChanges changes the weights of a compiled Net in
// each way a caller can between two Forward calls: a write to the
// tensor's data, Dense.SetAt, Params.CopyFrom, Params.Load, an optimizer
// step, and the smallest change there is (one bit of one weight, in the
// first and in the last output channel, which different workers
// compare). After each, the logits must be, to the bit, those of a Net
// compiled afresh over a copy of the changed store (which computes
// every transform anew), and, but for the one-bit changes, differ from
// the previous call's.
func TestForwardSeesWeightChanges(t *testing.T) {
	ps := graph.NewParams()
	cfg := graph.CompileConfig{Input: []int{3, 12, 12}, Rand: rand.New(rand.NewSource(1))}
	net, err := graph.Compile(winoNet, ps, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	rng := rand.New(rand.NewSource(2))
	x := randInput(rng, tensor.Float32, 1, 3, 12, 12)
	forward := func(n *graph.Net) []float32 {
		t.Helper()
		y, err := n.Forward(x)
		if err != nil {
			t.Fatal(err)
		}
		return y.Data().([]float32)
	}
	weights := func(name string) []float32 {
		p, ok := ps.Get(name)
		if !ok {
			t.Fatalf("no parameter %s", name)
		}
		return p.Value.Data().([]float32)
	}
	changed := func(name string) map[string]*tensor.Dense {
		m := ps.Clone().Map()
		w := m[name].Data().([]float32)
		for i := range w {
			w[i] *= 0.9
		}
		return m
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name   string
		change func()
		tiny   bool // the logits may not move
	}{
		{"data write", func() { weights("conv2.weight")[100] += 0.5 }, false},
		{"SetAt", func() {
			p, _ := ps.Get("conv3.weight")
			if err := p.Value.SetAt(float32(2), 63, 63, 2, 2); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"CopyFrom", func() {
			if err := ps.CopyFrom(changed("conv2.weight")); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"Load", func() {
			src := graph.NewParams()
			for name, v := range changed("conv3.weight") {
				src.Add(name, v, true) //nolint:errcheck // names are unique
			}
			path := filepath.Join(dir, "w.safetensors")
			if err := src.Save(path, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := ps.Load(path); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"SGD step", func() {
			var grads []*tensor.Dense
			for _, p := range ps.Trainable() {
				grads = append(grads, randInput(rng, tensor.Float32, p.Value.Shape()...))
			}
			if err := (&train.SGD{}).Step(ps.Trainable(), grads, 0.01); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"one bit, first channel", func() {
			w := weights("conv2.weight")
			w[0] = math.Float32frombits(math.Float32bits(w[0]) ^ 1)
		}, true},
		{"one bit, last channel", func() {
			w := weights("conv3.weight")
			w[len(w)-1] = math.Float32frombits(math.Float32bits(w[len(w)-1]) ^ 1)
		}, true},
	} {
		before := forward(net)
		if again := forward(net); !sameF32(again, before) {
			t.Fatalf("%s: two calls on the same weights differ: %v, %v", c.name, before, again)
		}
		c.change()
		got := forward(net)
		fresh, err := graph.Compile(winoNet, ps.Clone(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		want := forward(fresh)
		fresh.Close()
		if !sameF32(got, want) {
			t.Errorf("%s: logits %v, want %v (a net compiled afresh)", c.name, got, want)
		}
		if !c.tiny && sameF32(got, before) {
			t.Errorf("%s: the logits did not change: %v", c.name, got)
		}
	}
}

// sameF32 reports whether a and b hold the same bits.
func sameF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
