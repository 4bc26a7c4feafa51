package graph_test

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// tinyNet has every layer whose behaviour differs between training and
// evaluation: batch norm (running statistics) and dropout (off).
func tinyNet(b *graph.Builder, x *G.Node) *G.Node {
	x = b.Conv2d("conv", x, 4, 3, graph.Conv2dOpts{Padding: 1})
	x = b.BatchNorm("bn", x, graph.BatchNormOpts{})
	x = b.ReLU("relu", x)
	x = b.MaxPool2d("pool", x, 2, graph.PoolOpts{})
	x = b.Flatten("flatten", x)
	x = b.Dropout("drop", x, 0.5)
	return b.Linear("fc", x, 5, graph.LinearOpts{})
}

func randInput(rng *rand.Rand, dt tensor.Dtype, shape ...int) *tensor.Dense {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(dt))
	switch d := t.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(rng.NormFloat64())
		}
	case []float64:
		for i := range d {
			d[i] = rng.NormFloat64()
		}
	}
	return t
}

func asF64(t *tensor.Dense) []float64 {
	switch d := t.Data().(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	case []float64:
		return append([]float64(nil), d...)
	}
	return nil
}

// setBN gives the batch norm non-trivial running statistics, so that a
// net on batch statistics would differ from one on running statistics.
func setBN(t *testing.T, ps *graph.Params) {
	for name, vals := range map[string][]float32{
		"bn.running_mean": {0.5, -0.25, 1, 0},
		"bn.running_var":  {2, 0.5, 1.5, 3},
		"bn.weight":       {1.5, 0.5, -1, 2},
		"bn.bias":         {0.1, 0.2, 0.3, -0.4},
	} {
		p, ok := ps.Get(name)
		if !ok {
			t.Fatalf("no parameter %s", name)
		}
		copy(p.Value.Data().([]float32), vals)
	}
}

// TestCompileForward checks that a padded batch gives each row the logits
// it gets alone (rows are independent in evaluation mode), that repeated
// calls agree (dropout is off), that the result is the caller's (a later
// call does not change it), and that a change of the store is seen.
func TestCompileForward(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			ps := graph.NewParams()
			big, err := graph.Compile(tinyNet, ps, graph.CompileConfig{Batch: 4, Input: []int{2, 6, 6}, Dtype: dt})
			if err != nil {
				t.Fatal(err)
			}
			defer big.Close()
			one, err := graph.Compile(tinyNet, ps, graph.CompileConfig{Input: []int{2, 6, 6}, Dtype: dt})
			if err != nil {
				t.Fatal(err)
			}
			defer one.Close()
			if one.Batch() != 1 || big.Classes() != 5 || big.Dtype() != dt {
				t.Fatalf("batch %d classes %d dtype %v, want 1, 5, %v", one.Batch(), big.Classes(), big.Dtype(), dt)
			}
			if dt == tensor.Float32 {
				setBN(t, ps)
			}
			rng := rand.New(rand.NewSource(1))
			x := randInput(rng, dt, 3, 2, 6, 6)
			got, err := big.Forward(x)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Shape().Eq(tensor.Shape{3, 5}) {
				t.Fatalf("logits shape %v, want (3, 5)", got.Shape())
			}
			all := asF64(got)
			for r := range 3 {
				row, err := x.Slice(G.S(r, r+1)) // a view: Forward must read its elements, not its backing
				if err != nil {
					t.Fatal(err)
				}
				r4 := row.(*tensor.Dense)
				if err := r4.Reshape(1, 2, 6, 6); err != nil {
					t.Fatal(err)
				}
				alone, err := one.Forward(r4)
				if err != nil {
					t.Fatal(err)
				}
				for j, v := range asF64(alone) {
					if d := math.Abs(v - all[r*5+j]); d > 1e-5 {
						t.Fatalf("row %d logit %d: %g in a padded batch of 3/4, %g alone", r, j, all[r*5+j], v)
					}
				}
			}
			again, err := big.Forward(x)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range asF64(again) {
				if v != all[i] {
					t.Fatalf("logit %d: %g then %g: evaluation is not deterministic (dropout on?)", i, all[i], v)
				}
			}
			if _, err := big.Forward(randInput(rng, dt, 4, 2, 6, 6)); err != nil {
				t.Fatal(err)
			}
			for i, v := range asF64(got) {
				if v != all[i] {
					t.Fatalf("the returned logits changed under a later call (index %d)", i)
				}
			}
			p, _ := ps.Get("fc.bias")
			switch d := p.Value.Data().(type) {
			case []float32:
				d[2] += 1
			case []float64:
				d[2] += 1
			}
			moved, err := big.Forward(x)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range asF64(moved) {
				want := all[i]
				if i%5 == 2 {
					want++
				}
				if math.Abs(v-want) > 1e-5 {
					t.Fatalf("after fc.bias[2] += 1, logit %d is %g, want %g", i, v, want)
				}
			}
		})
	}
}

// TestCompileRunningStats compares the net with batch norm computed by
// hand from its running statistics on a 1x1 input.
func TestCompileRunningStats(t *testing.T) {
	model := func(b *graph.Builder, x *G.Node) *G.Node {
		x = b.BatchNorm("bn", x, graph.BatchNormOpts{})
		return b.Flatten("flatten", x)
	}
	ps := graph.NewParams()
	n, err := graph.Compile(model, ps, graph.CompileConfig{Batch: 2, Input: []int{4, 1, 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	setBN(t, ps)
	x := tensor.New(tensor.WithShape(2, 4, 1, 1), tensor.WithBacking([]float32{1, 2, 3, 4, -1, 0, 0.5, 8}))
	got, err := n.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	mean, vr := []float64{0.5, -0.25, 1, 0}, []float64{2, 0.5, 1.5, 3}
	w, bias := []float64{1.5, 0.5, -1, 2}, []float64{0.1, 0.2, 0.3, -0.4}
	for i, v := range asF64(got) {
		c := i % 4
		want := (float64(x.Data().([]float32)[i])-mean[c])/math.Sqrt(vr[c]+1e-5)*w[c] + bias[c]
		if math.Abs(v-want) > 1e-5 {
			t.Fatalf("output %d = %g, want %g from the running statistics", i, v, want)
		}
	}
}

// TestCompileErrors checks that every bad configuration and input is an
// error that names what is wrong.
func TestCompileErrors(t *testing.T) {
	ps := graph.NewParams()
	for _, tc := range []struct {
		name  string
		model graph.Model
		cfg   graph.CompileConfig
		want  string
	}{
		{"no input", tinyNet, graph.CompileConfig{}, "want (C, H, W)"},
		{"negative batch", tinyNet, graph.CompileConfig{Batch: -1, Input: []int{2, 6, 6}}, "negative"},
		{"nil model", nil, graph.CompileConfig{Input: []int{2, 6, 6}}, "nil model"},
		{"bad dtype", tinyNet, graph.CompileConfig{Input: []int{2, 6, 6}, Dtype: tensor.Int}, "dtype"},
		{"bad logits", func(b *graph.Builder, x *G.Node) *G.Node { return x }, graph.CompileConfig{Input: []int{2, 6, 6}}, "want (1, classes)"},
		{"zero size", tinyNet, graph.CompileConfig{Input: []int{2, 0, 6}}, "non-positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := graph.Compile(tc.model, ps, tc.cfg)
			if err == nil {
				n.Close()
				t.Fatalf("Compile succeeded, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
	n, err := graph.Compile(tinyNet, ps, graph.CompileConfig{Batch: 2, Input: []int{2, 6, 6}})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(2))
	for _, tc := range []struct {
		name string
		x    *tensor.Dense
		want string
	}{
		{"nil", nil, "nil input"},
		{"too many rows", randInput(rng, tensor.Float32, 3, 2, 6, 6), "input shape (3, 2, 6, 6), want (N, 2, 6, 6) with 1 <= N <= 2"},
		{"channels", randInput(rng, tensor.Float32, 1, 3, 6, 6), "input shape (1, 3, 6, 6)"},
		{"rank", randInput(rng, tensor.Float32, 2, 6, 6), "input shape (2, 6, 6)"},
		{"dtype", randInput(rng, tensor.Float64, 1, 2, 6, 6), "compiled for float32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := n.Forward(tc.x); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Forward error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := n.Forward(randInput(rng, tensor.Float32, 1, 2, 6, 6)); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("Forward after Close: %v, want an error saying the net is closed", err)
	}
}
