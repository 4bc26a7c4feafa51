package graph

import (
	"math/rand"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func tiny(b *Builder, x *G.Node) *G.Node {
	x = b.Conv2d("conv1", x, 4, 3, Conv2dOpts{Padding: 1})
	x = b.BatchNorm("bn1", x, BatchNormOpts{})
	x = b.ReLU("relu", x)
	x = b.MaxPool2d("pool", x, 2, PoolOpts{})
	x = b.Flatten("flatten", x)
	return b.Linear("fc", x, 3, LinearOpts{})
}

func run(t *testing.T, b *Builder, x *G.Node, in *tensor.Dense) {
	t.Helper()
	if err := G.Let(x, in); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(b.Graph())
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
}

func TestTwoGraphsShareParams(t *testing.T) {
	ps := NewParams()
	tb := NewBuilder(ps, Config{Training: true, Rand: rand.New(rand.NewSource(1))})
	tx := tb.Input("x", 8, 2, 6, 6)
	tiny(tb, tx)
	eb := NewBuilder(ps, Config{})
	ex := eb.Input("x", 1, 2, 6, 6)
	ey := tiny(eb, ex)
	if err := tb.Err(); err != nil {
		t.Fatal(err)
	}
	if err := eb.Err(); err != nil {
		t.Fatal(err)
	}
	if ps.Len() != 8 { // conv w,b; bn w,b,mean,var; fc w,b
		t.Fatalf("%d params: %v", ps.Len(), ps.Names())
	}
	tl, el := tb.LearnableParams(), eb.LearnableParams()
	if len(tl) != 6 || len(el) != 6 {
		t.Fatalf("learnables %d and %d, want 6", len(tl), len(el))
	}
	for i := range tl {
		if tl[i].Value != el[i].Value {
			t.Fatalf("%s: graphs hold different tensors", tl[i].Name)
		}
	}
	in := tensor.New(tensor.WithShape(1, 2, 6, 6), tensor.WithBacking(make([]float32, 72)))
	run(t, eb, ex, in)
	before := ey.Value().Data().([]float32)[0]
	// An update made through the training side is seen by evaluation.
	bias, _ := ps.Get("fc.bias")
	bias.Value.Data().([]float32)[0] += 1
	run(t, eb, ex, in)
	if after := ey.Value().Data().([]float32)[0]; after != before+1 {
		t.Fatalf("eval graph saw %v after the update, want %v", after, before+1)
	}
}

func TestScopeNames(t *testing.T) {
	ps := NewParams()
	b := NewBuilder(ps, Config{})
	x := b.Input("x", 1, 3, 4, 4)
	b.Scope("layer1").Scope("0").BatchNorm("bn1", x, BatchNormOpts{})
	want := "layer1.0.bn1.weight,layer1.0.bn1.bias,layer1.0.bn1.running_mean,layer1.0.bn1.running_var"
	if got := strings.Join(ps.Names(), ","); got != want {
		t.Fatalf("names %s, want %s", got, want)
	}
	if tr, total := ps.Count(); tr != 6 || total != 12 {
		t.Fatalf("counts %d/%d", tr, total)
	}
}

func TestBadInputsNameLayerAndShapes(t *testing.T) {
	cases := []struct {
		name  string
		build func(b *Builder)
		want  []string
	}{
		{"conv over 3-D", func(b *Builder) {
			b.Conv2d("conv1", b.Input("x", 3, 8, 8), 4, 3, Conv2dOpts{})
		}, []string{"conv1", "Conv2d", "(3, 8, 8)"}},
		{"concat of mismatched spatial sizes", func(b *Builder) {
			b.Scope("inception3a").Concat("cat", b.Input("a", 1, 2, 8, 8), b.Input("b", 1, 3, 7, 7))
		}, []string{"inception3a.cat", "(1, 3, 7, 7)", "(1, 2, 8, 8)"}},
		{"add of different shapes", func(b *Builder) {
			b.Add("layer1.0.add", b.Input("a", 1, 2, 8, 8), b.Input("b", 1, 2, 4, 4))
		}, []string{"layer1.0.add", "(1, 2, 8, 8)", "(1, 2, 4, 4)"}},
		{"kernel larger than input", func(b *Builder) {
			b.Conv2d("features.0", b.Input("x", 1, 3, 4, 4), 4, 7, Conv2dOpts{})
		}, []string{"features.0"}},
		{"same layer name twice", func(b *Builder) {
			x := b.Input("x", 1, 2)
			b.Linear("fc", b.Linear("fc", x, 2, LinearOpts{}), 2, LinearOpts{})
		}, []string{"fc.weight", "twice"}},
		{"linear over 4-D", func(b *Builder) {
			b.Linear("fc", b.Input("x", 1, 2, 3, 3), 2, LinearOpts{})
		}, []string{"fc", "(1, 2, 3, 3)"}},
	}
	for _, c := range cases {
		b := NewBuilder(NewParams(), Config{})
		c.build(b)
		wantErr(t, c.name, b.Err(), c.want)
	}
}

func TestErrorIsStickyAndLaterLayersAreNoOps(t *testing.T) {
	b := NewBuilder(NewParams(), Config{})
	x := b.Input("x", 2, 8)
	bad := b.Conv2d("conv", x, 4, 3, Conv2dOpts{})
	first := b.Err()
	y := b.Linear("fc", x, 3, LinearOpts{})
	if bad != nil || y != nil || first == nil || b.Err() != first {
		t.Fatalf("after an error: node %v, err %v then %v", y, first, b.Err())
	}
	if b.Params().Len() != 0 {
		t.Fatalf("layers after the error created %v", b.Params().Names())
	}
}

func TestParamShapeClashIsAnError(t *testing.T) {
	ps := NewParams()
	b := NewBuilder(ps, Config{})
	b.Linear("fc", b.Input("x", 1, 4), 2, LinearOpts{})
	b2 := NewBuilder(ps, Config{})
	b2.Linear("fc", b2.Input("x", 1, 5), 2, LinearOpts{})
	if err := b2.Err(); err == nil || !strings.Contains(err.Error(), `"fc.weight"`) {
		t.Fatalf("error %v", err)
	}
	b3 := NewBuilder(ps, Config{Dtype: tensor.Float64})
	b3.Linear("fc", b3.Input("x", 1, 4), 2, LinearOpts{})
	if err := b3.Err(); err == nil || !strings.Contains(err.Error(), "float32") {
		t.Fatalf("dtype clash: %v", err)
	}
}

func TestSummary(t *testing.T) {
	b := NewBuilder(NewParams(), Config{})
	tiny(b, b.Input("x", 1, 2, 6, 6))
	s := b.SummaryString()
	// conv 4*2*9+4 = 76, bn 4*4 = 16 (8 trainable), fc 3*36+3 = 111
	for _, want := range []string{
		"conv1 (Conv2d)", "(1, 4, 6, 6)", "76", "pool (MaxPool2d)", "(1, 4, 3, 3)", "fc (Linear)", "(1, 3)", "111",
		"Total params: 203\n", "Trainable params: 195\n", "Non-trainable params: 8\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if n := len(b.Layers()); n != 6 {
		t.Errorf("%d layers recorded, want 6", n)
	}
	if !strings.Contains(b.Dot(), "digraph") {
		t.Error("Dot is not graphviz")
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 61706: "61,706", 138357544: "138,357,544", -1234: "-1,234"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %s", n, got)
		}
	}
}
