package graph_test

import (
	"math"
	"math/rand"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/zoo"
	"gorgonia.org/tensor"
)

// randomizeNorms gives every batch norm of ps non-trivial statistics,
// gamma and beta, so that a wrong fold shows in the logits.
func randomizeNorms(ps *graph.Params, rng *rand.Rand) {
	for _, p := range ps.All() {
		var lo, hi float64
		switch {
		case strings.HasSuffix(p.Name, ".running_mean"):
			lo, hi = -0.3, 0.3
		case strings.HasSuffix(p.Name, ".running_var"):
			lo, hi = 0.5, 2
		case p.Kind == graph.ParamNorm && strings.HasSuffix(p.Name, ".weight"):
			lo, hi = 0.5, 1.5
		case p.Kind == graph.ParamNorm:
			lo, hi = -0.3, 0.3
		default:
			continue
		}
		switch d := p.Value.Data().(type) {
		case []float32:
			for i := range d {
				d[i] = float32(lo + (hi-lo)*rng.Float64())
			}
		case []float64:
			for i := range d {
				d[i] = lo + (hi-lo)*rng.Float64()
			}
		}
	}
}

// fusePair compiles spec's model fused and unfused over one store, for
// batch 2 at the given image size, with random batch norms.
func fusePair(t *testing.T, s zoo.Spec, dt tensor.Dtype, size int) (fused, plain *graph.Net, ps *graph.Params, in *tensor.Dense) {
	t.Helper()
	ps = graph.NewParams()
	cfg := graph.CompileConfig{Batch: 2, Input: []int{s.Input[0], size, size}, Dtype: dt}
	var err error
	if fused, err = graph.Compile(s.New(zoo.Config{Classes: 7}), ps, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fused.Close() })
	cfg.NoFuse = true
	if plain, err = graph.Compile(s.New(zoo.Config{Classes: 7}), ps, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { plain.Close() })
	rng := rand.New(rand.NewSource(11))
	randomizeNorms(ps, rng)
	return fused, plain, ps, randInput(rng, dt, 2, s.Input[0], size, size)
}

// logitsDiff runs both nets on in and returns max |a-b| / max |b|.
func logitsDiff(t *testing.T, a, b *graph.Net, in *tensor.Dense) float64 {
	t.Helper()
	ya, err := a.Forward(in)
	if err != nil {
		t.Fatal(err)
	}
	yb, err := b.Forward(in)
	if err != nil {
		t.Fatal(err)
	}
	va, vb := asF64(ya), asF64(yb)
	scale, worst := 0.0, 0.0
	for i := range vb {
		scale = math.Max(scale, math.Abs(vb[i]))
		worst = math.Max(worst, math.Abs(va[i]-vb[i]))
	}
	if scale == 0 || math.IsNaN(worst) {
		t.Fatalf("logits %v and %v: no scale to compare", va, vb)
	}
	return worst / scale
}

func opCounts(n *graph.Net) map[string]int {
	c := map[string]int{}
	for _, op := range graph.NetOps(n) {
		name, _, _ := strings.Cut(op, "(")
		name, _, _ = strings.Cut(name, "#")
		c[name]++
	}
	return c
}

// TestFusedZooMatchesUnfused compares the logits of every zoo model
// compiled with and without fusion over one store with random batch
// norms: float64 within 1e-10 and float32 within 1e-5 relative to the
// largest logit, and no batch norm left in a fused net. Under -short
// only the small models run (VGG's float64 parameters alone take 1 GB).
func TestFusedZooMatchesUnfused(t *testing.T) {
	for _, c := range smallZoo("lenet", "resnet20", "resnet18", "googlenet") {
		s, size := c.spec, c.size
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			t.Run(s.Name+"/"+dt.String(), func(t *testing.T) {
				fused, plain, _, in := fusePair(t, s, dt, size)
				tol := 1e-10
				if dt == tensor.Float32 {
					tol = 1e-5
				}
				if e := logitsDiff(t, fused, plain, in); e > tol {
					t.Fatalf("fused vs unfused logits: rel %g > %g", e, tol)
				} else {
					t.Logf("rel %g", e)
				}
				fc, pc := opCounts(fused), opCounts(plain)
				if fc["BatchNorm"] != 0 || fc["Fused"] == 0 {
					t.Fatalf("fused net: %d batch norms, %d fused convolutions", fc["BatchNorm"], fc["Fused"])
				}
				if fc["Fused"] != pc["Conv2d"] {
					t.Fatalf("fused net: %d fused convolutions of %d", fc["Fused"], pc["Conv2d"])
				}
			})
			runtime.GC()
		}
	}
}

// TestFusedResNet18 checks that resnet18 compiles to its convolutions
// alone (every batch norm, ReLU and residual Add merged into one), with
// and that a Net sees weights loaded into
// its store after Compile: its next Forward equals a fresh Compile's.
func TestFusedResNet18(t *testing.T) {
	s, err := zoo.Get("resnet18")
	if err != nil {
		t.Fatal(err)
	}
	fused, plain, ps, in := fusePair(t, s, tensor.Float64, 32)
	fc, pc := opCounts(fused), opCounts(plain)
	if pc["Conv2d"] != 20 || pc["BatchNorm"] != 20 || pc["ReLU"] != 17 || pc["Add"] != 8 {
		t.Fatalf("unfused resnet18: %v, want 20 Conv2d, 20 BatchNorm, 17 ReLU, 8 Add", pc)
	}
	for _, op := range []string{"Conv2d", "BatchNorm", "ReLU", "Add"} {
		if fc[op] != 0 {
			t.Errorf("fused resnet18 still has %d %s ops: %v", fc[op], op, fc)
		}
	}
	if fc["Fused"] != 20 {
		t.Errorf("fused resnet18: %d fused convolutions, want 20: %v", fc["Fused"], fc)
	}

	// Other weights, loaded after Compile as a user would.
	before, err := fused.Forward(in)
	if err != nil {
		t.Fatal(err)
	}
	other := graph.NewParams()
	cfg := graph.CompileConfig{Batch: 2, Input: []int{3, 32, 32}, Dtype: tensor.Float64, Rand: rand.New(rand.NewSource(99))}
	n, err := graph.Compile(s.New(zoo.Config{Classes: 7}), other, cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	randomizeNorms(other, rand.New(rand.NewSource(98)))
	path := filepath.Join(t.TempDir(), "other.safetensors")
	if err := other.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Load(path); err != nil {
		t.Fatal(err)
	}
	fresh, err := graph.Compile(s.New(zoo.Config{Classes: 7}), other, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if e := logitsDiff(t, fused, fresh, in); e != 0 {
		t.Fatalf("after a load: the compiled net vs a fresh Compile: rel %g, want 0", e)
	}
	if e := logitsDiff(t, plain, fresh, in); e > 1e-10 {
		t.Fatalf("after a load: the unfused net vs a fresh Compile: rel %g", e)
	}
	after, err := fused.Forward(in)
	if err != nil {
		t.Fatal(err)
	}
	if asF64(after)[0] == asF64(before)[0] {
		t.Fatal("the load changed nothing: the test tests nothing")
	}
}

// TestFusedLeNetPools: a fused float32 LeNet-5 has its two poolings
// merged into its convolutions (no MaxPool2d left), and its logits are
// the unfused net's to the bit: the same direct kernel, ReLU and 2×2
// maximum, only in another order.
func TestFusedLeNetPools(t *testing.T) {
	s, err := zoo.Get("lenet")
	if err != nil {
		t.Fatal(err)
	}
	fused, plain, _, in := fusePair(t, s, tensor.Float32, s.Input[1])
	pools := 0
	for _, op := range graph.NetOps(fused) {
		if strings.Contains(op, "+maxpool2x2)") {
			pools++
		}
	}
	if fc, pc := opCounts(fused), opCounts(plain); pc["MaxPool2d"] != 2 || fc["MaxPool2d"] != 0 || pools != 2 {
		t.Fatalf("unfused %v, fused %v with %d fused poolings: want 2 MaxPool2d merged into 2 convolutions", pc, fc, pools)
	}
	if e := logitsDiff(t, fused, plain, in); e != 0 {
		t.Fatalf("fused vs unfused logits: rel %g, want 0", e)
	}
}
