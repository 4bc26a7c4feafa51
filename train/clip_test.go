package train

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

func gradTensors(dt tensor.Dtype, data ...[]float64) []*tensor.Dense {
	gs := make([]*tensor.Dense, len(data))
	for i, d := range data {
		gs[i] = tensor.New(tensor.WithShape(len(d)), tensor.Of(dt))
		setData(gs[i], d)
	}
	return gs
}

// TestClipGradNormTorch compares the clipped gradients and the returned
// norm with torch.nn.utils.clip_grad_norm_ in float64.
func TestClipGradNormTorch(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	var grads [][]float64
	for _, n := range []int{7, 1, 12} {
		g := make([]float64, n)
		for i := range g {
			g[i] = rng.NormFloat64() * 2
		}
		grads = append(grads, g)
	}
	const script = `
import json, sys, torch
inp = json.load(sys.stdin)
out = []
for m in inp["max"]:
    ps = [torch.nn.Parameter(torch.zeros(len(g), dtype=torch.float64)) for g in inp["grads"]]
    for p, g in zip(ps, inp["grads"]):
        p.grad = torch.tensor(g, dtype=torch.float64)
    total = torch.nn.utils.clip_grad_norm_(ps, m)
    out.append({"total": float(total), "grads": [p.grad.tolist() for p in ps]})
json.dump(out, sys.stdout)
`
	maxNorms := []float64{0.5, 3, 1e3}
	var want []struct {
		Total float64
		Grads [][]float64
	}
	torchJSON(t, script, map[string]any{"grads": grads, "max": maxNorms}, &want)
	for i, m := range maxNorms {
		gs := gradTensors(tensor.Float64, grads...)
		total, err := ClipGradNorm(gs, m)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(total-want[i].Total) > 1e-12*want[i].Total {
			t.Errorf("max %g: total %v, torch %v", m, total, want[i].Total)
		}
		for j, g := range gs {
			for k, v := range getData(g) {
				if w := want[i].Grads[j][k]; math.Abs(v-w) > 1e-14*(1+math.Abs(w)) {
					t.Fatalf("max %g: grad[%d][%d] = %v, torch %v", m, j, k, v, w)
				}
			}
		}
	}
}

// TestClipGradNormFormula checks the rule on a hand-computed case in both
// dtypes: gradients (3,4) and (12) have norm 13; clipped to 6.5 they halve.
func TestClipGradNormFormula(t *testing.T) {
	for _, dt := range dtypes {
		gs := gradTensors(dt, []float64{3, 4}, []float64{12})
		total, err := ClipGradNorm(gs, 6.5)
		if err != nil {
			t.Fatal(err)
		}
		c := 6.5 / (13 + 1e-6)
		want := [][]float64{{3 * c, 4 * c}, {12 * c}}
		tol := 1e-12
		if dt == tensor.Float32 {
			tol = 1e-6
		}
		if total != 13 {
			t.Errorf("%v: total %v, want 13", dt, total)
		}
		for j, g := range gs {
			for k, v := range getData(g) {
				if math.Abs(v-want[j][k]) > tol {
					t.Errorf("%v: grad[%d][%d] = %v, want %v", dt, j, k, v, want[j][k])
				}
			}
		}
		// Under the limit nothing changes.
		gs = gradTensors(dt, []float64{3, 4})
		if _, err := ClipGradNorm(gs, 6); err != nil || getData(gs[0])[0] != 3 || getData(gs[0])[1] != 4 {
			t.Errorf("%v: norm 5 under 6 was changed to %v (%v)", dt, getData(gs[0]), err)
		}
	}
	for _, m := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := ClipGradNorm(gradTensors(tensor.Float64, []float64{1}), m); err == nil || !strings.Contains(err.Error(), "max norm") {
			t.Errorf("max norm %v: error %v", m, err)
		}
	}
	if _, err := ClipGradNorm(gradTensors(tensor.Float64, []float64{1, math.NaN()}), 1); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN gradient: error %v", err)
	}
}

// TestTrainerClipsGradients: with plain SGD the first step moves the
// weights by lr·g; clipped to a tiny norm, the whole move has norm
// lr·maxNorm.
func TestTrainerClipsGradients(t *testing.T) {
	const lr, maxNorm = 0.1, 1e-3
	ps := graph.NewParams()
	tr, err := New(tiny, ps, Config{Epochs: 1, BatchSize: 32, MaxSteps: 1, Seed: 1, LR: lr, Optimizer: &SGD{},
		ClipGradNorm: maxNorm, Input: []int{1, 8, 8}})
	if err != nil {
		t.Fatal(err)
	}
	before := map[string][]float64{}
	for _, p := range ps.Trainable() {
		before[p.Name] = values(t, ps, p.Name)
	}
	if _, err := tr.Fit(patterns(32, 1), nil); err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for name, w0 := range before {
		for i, w := range values(t, ps, name) {
			sum += (w - w0[i]) * (w - w0[i])
		}
	}
	if got := math.Sqrt(sum); math.Abs(got-lr*maxNorm) > 1e-3*lr*maxNorm {
		t.Errorf("weights moved by %g, want lr·maxNorm = %g", got, lr*maxNorm)
	}
	if _, err := New(tiny, graph.NewParams(), Config{ClipGradNorm: -1}); err == nil || !strings.Contains(err.Error(), "ClipGradNorm") {
		t.Errorf("negative ClipGradNorm: error %v", err)
	}
}
