package train

import (
	"math"
	"math/rand"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

// TestNormWeightDecayTorch runs four steps of SGD with momentum, Adam and
// AdamW over a weight, a bias and a batch norm's weight and bias, with
// NormWeightDecay, against torch.optim with two param groups: the weight
// at weight_decay wd, the others at the norm decay (as torchvision's
// --norm-weight-decay, biases included). float64, tolerance 1e-12.
func TestNormWeightDecayTorch(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	vec := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	kinds := []graph.ParamKind{graph.ParamWeight, graph.ParamBias, graph.ParamNorm, graph.ParamNorm}
	init := [][]float64{vec(6), vec(2), vec(3), vec(3)}
	const steps = 4
	grads := make([][][]float64, steps)
	for s := range grads {
		for _, w := range init {
			grads[s] = append(grads[s], vec(len(w)))
		}
	}
	zero, small := 0.0, 0.02
	type tcase struct {
		Name       string
		WD, NormWD float64
	}
	opts := []struct {
		tcase
		opt Optimizer
	}{
		{tcase{"sgd", 0.1, 0}, &SGD{Momentum: 0.9, WeightDecay: 0.1, NormWeightDecay: &zero}},
		{tcase{"sgd", 0.1, 0.02}, &SGD{Momentum: 0.9, WeightDecay: 0.1, NormWeightDecay: &small}},
		{tcase{"adam", 0.1, 0}, &Adam{WeightDecay: 0.1, NormWeightDecay: &zero}},
		{tcase{"adamw", 0.3, 0.02}, &Adam{WeightDecay: 0.3, Decoupled: true, NormWeightDecay: &small}},
	}
	const script = `
import json, sys, torch
inp = json.load(sys.stdin)
res = []
for c in inp["cases"]:
    ps = [torch.nn.Parameter(torch.tensor(w, dtype=torch.float64)) for w in inp["init"]]
    groups = [{"params": ps[:1], "weight_decay": c["WD"]}, {"params": ps[1:], "weight_decay": c["NormWD"]}]
    if c["Name"] == "sgd":
        opt = torch.optim.SGD(groups, lr=inp["lr"], momentum=0.9)
    elif c["Name"] == "adam":
        opt = torch.optim.Adam(groups, lr=inp["lr"])
    else:
        opt = torch.optim.AdamW(groups, lr=inp["lr"])
    for gs in inp["grads"]:
        for p, g in zip(ps, gs):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    res.append([p.detach().tolist() for p in ps])
json.dump(res, sys.stdout)
`
	var cases []tcase
	for _, o := range opts {
		cases = append(cases, o.tcase)
	}
	const lr = 0.05
	var want [][][]float64
	torchJSON(t, script, map[string]any{"cases": cases, "init": init, "grads": grads, "lr": lr}, &want)
	for i, o := range opts {
		params := make([]*graph.Param, len(init))
		for j, w := range init {
			params[j] = newParam(string(rune('a'+j)), tensor.Float64, w)
			params[j].Kind = kinds[j]
		}
		for _, gs := range grads {
			gt := make([]*tensor.Dense, len(gs))
			for j, g := range gs {
				gt[j] = tensor.New(tensor.WithShape(len(g)), tensor.WithBacking(append([]float64(nil), g...)))
			}
			if err := o.opt.Step(params, gt, lr); err != nil {
				t.Fatal(err)
			}
		}
		for j, p := range params {
			for k, v := range getData(p.Value) {
				if w := want[i][j][k]; math.Abs(v-w) > 1e-12*(1+math.Abs(w)) {
					t.Errorf("%s wd %g norm %g: param %d (%v)[%d] = %.15g, torch %.15g", o.Name, o.WD, o.NormWD, j, kinds[j], k, v, w)
				}
			}
		}
	}
}

// TestNormWeightDecayOnlyNormAndBias: with NormWeightDecay 0 and a zero
// gradient, plain SGD shrinks the weights only.
func TestNormWeightDecayOnlyNormAndBias(t *testing.T) {
	zero := 0.0
	for _, opt := range []Optimizer{&SGD{WeightDecay: 0.5, NormWeightDecay: &zero},
		&Adam{WeightDecay: 0.5, Decoupled: true, NormWeightDecay: &zero}} {
		var params []*graph.Param
		var grads []*tensor.Dense
		for _, k := range []graph.ParamKind{graph.ParamWeight, graph.ParamBias, graph.ParamNorm} {
			p := newParam(k.String(), tensor.Float32, []float64{1})
			p.Kind = k
			params = append(params, p)
			grads = append(grads, tensor.New(tensor.WithShape(1), tensor.Of(tensor.Float32)))
		}
		if err := opt.Step(params, grads, 0.1); err != nil {
			t.Fatal(err)
		}
		got := []float64{getData(params[0].Value)[0], getData(params[1].Value)[0], getData(params[2].Value)[0]}
		if got[0] != float64(float32(0.95)) || got[1] != 1 || got[2] != 1 {
			t.Errorf("%T: weight, bias, norm = %v, want [0.95 1 1]", opt, got)
		}
	}
}
