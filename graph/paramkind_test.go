package graph

import "testing"

// TestParamKinds: layers mark their biases and normalisation parameters,
// and every graph built over the store marks them again.
func TestParamKinds(t *testing.T) {
	ps := NewParams()
	for _, training := range []bool{true, false} {
		b := NewBuilder(ps, Config{Training: training})
		x := b.Input("x", 2, 1, 6, 6)
		x = b.Conv2d("conv", x, 3, 3, Conv2dOpts{})
		x = b.Conv2d("conv2", x, 3, 1, Conv2dOpts{NoBias: true})
		x = b.BatchNorm("bn", x, BatchNormOpts{})
		x = b.Flatten("flat", x)
		b.Linear("fc", x, 4, LinearOpts{})
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]ParamKind{"conv.weight": ParamWeight, "conv.bias": ParamBias, "conv2.weight": ParamWeight,
		"bn.weight": ParamNorm, "bn.bias": ParamNorm, "fc.weight": ParamWeight, "fc.bias": ParamBias}
	got := map[string]ParamKind{}
	for _, p := range ps.Trainable() {
		got[p.Name] = p.Kind
	}
	if len(got) != len(want) {
		t.Fatalf("trainable %v, want %v", got, want)
	}
	for name, k := range want {
		if got[name] != k {
			t.Errorf("%s is %v, want %v", name, got[name], k)
		}
	}
}
