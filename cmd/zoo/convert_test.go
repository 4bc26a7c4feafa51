package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/internal/half"
	"github.com/convzoo/convzoo/zoo"
	"gorgonia.org/tensor"
)

func TestConvertDtypesAndRefusals(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.safetensors")
	vals := []float32{1.0001, -3.3, 65519, 1e-8}
	ts := map[string]*tensor.Dense{
		"w":                      tensor.New(tensor.WithShape(2, 2), tensor.WithBacking(append([]float32(nil), vals...))),
		"bn.num_batches_tracked": tensor.New(tensor.WithShape(), tensor.WithBacking([]int64{12})),
	}
	if err := graph.WriteSafetensorsFile(in, ts, map[string]string{"model": "x"}); err != nil {
		t.Fatal(err)
	}
	for _, dt := range []string{"f16", "bf16", "f32"} {
		out := filepath.Join(dir, dt+".safetensors")
		if s, err := runZoo("convert", in, out, "--dtype", dt); err != nil || !strings.Contains(s, "wrote 2 tensors") {
			t.Fatalf("%s: %v %s", dt, err, s)
		}
		got, meta, err := graph.ReadSafetensorsFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if meta["model"] != "x" || meta["converted_from"] != "in.safetensors (safetensors)" || got["bn.num_batches_tracked"].Data().(int64) != 12 {
			t.Fatalf("%s: meta %v, counter %v", dt, meta, got["bn.num_batches_tracked"])
		}
		for i, v := range got["w"].Data().([]float32) {
			want := vals[i]
			switch dt {
			case "f16":
				want = half.F16ToF32(half.F32ToF16(want))
			case "bf16":
				want = half.BF16ToF32(half.F32ToBF16(want))
			}
			if v != want {
				t.Errorf("%s: w[%d] = %g, want %g", dt, i, v, want)
			}
		}
	}
	link := filepath.Join(dir, "link.safetensors")
	if err := os.Link(in, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"convert", in, in}, "the input"},
		{[]string{"convert", in, link}, "the input"},
		{[]string{"convert", in, filepath.Join(dir, "o"), "--dtype", "f8"}, `--dtype "f8"`},
		{[]string{"convert", filepath.Join(dir, "missing.pt"), filepath.Join(dir, "o")}, "missing.pt"},
	} {
		if _, err := runZoo(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	if b, _ := os.ReadFile(in); len(b) == 0 {
		t.Fatal("the input was clobbered")
	}
}

// Fine-tuning from the command line: lenet weights for 7 classes start a
// 10-class MNIST run with --partial; eval refuses them strictly.
func TestTrainPartialWeights(t *testing.T) {
	dir := t.TempDir()
	spec, _ := zoo.Get("lenet")
	ps := graph.NewParams()
	b := graph.NewBuilder(ps, graph.Config{})
	spec.New(zoo.Config{Classes: 7})(b, b.Input("input", 1, 1, 28, 28))
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	w := filepath.Join(dir, "seven.safetensors")
	if err := ps.Save(w, map[string]string{"model": "lenet"}); err != nil {
		t.Fatal(err)
	}
	out, err := runZoo("train", "lenet", "--weights", w, "--partial", "--limit", "64", "--out", filepath.Join(dir, "run"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "kept initial values of 2: fc3.weight, fc3.bias") || !strings.Contains(out, "fc3.weight (shape (7, 84), the model's is (10, 84))") {
		t.Fatalf("train --partial output lacks the report:\n%s", out)
	}
	_, err = runZoo("eval", "lenet", "--weights", w)
	if err == nil || !strings.Contains(err.Error(), "fc3.weight: have float32(10, 84), file has float32(7, 84)") {
		t.Fatalf("strict eval of 7-class weights: %v", err)
	}
	for args, want := range map[string]string{
		"train lenet --partial":                         "--partial needs --weights",
		"train lenet --resume " + w + " --weights " + w: "use one",
	} {
		if _, err := runZoo(append(strings.Fields(args), "--out", filepath.Join(dir, "x"))...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
}

// PyTorch's own files through the command line: forward on the .pt, and
// on its conversion to bf16 safetensors, gives PyTorch's logits for those
// weights. Needs CONVZOO_WEIGHTS_FIXTURES (CI sets it).
func TestForwardOnPyTorchFiles(t *testing.T) {
	fix := os.Getenv("CONVZOO_WEIGHTS_FIXTURES")
	if fix == "" {
		t.Skip("CONVZOO_WEIGHTS_FIXTURES is not set; generate with: /usr/bin/python3 bench/pytorch/weights_fixtures.py DIR")
	}
	dir := t.TempDir()
	ref := filepath.Join(fix, "logits.safetensors") // holds "input" too
	bf16 := filepath.Join(dir, "bf16.safetensors")
	if _, err := runZoo("convert", filepath.Join(fix, "resnet18.ckpt.pt"), bf16, "--dtype", "bf16"); err != nil {
		t.Fatal(err)
	}
	want, _, err := graph.ReadSafetensorsFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	for w, key := range map[string]string{filepath.Join(fix, "resnet18.pt"): "logits", bf16: "logits_bf16"} {
		out := filepath.Join(dir, "out.safetensors")
		if s, err := runZoo("forward", "resnet18", "--weights", w, "--input", ref, "--output", out); err != nil {
			t.Fatalf("%s: %v %s", w, err, s)
		}
		got, _, err := graph.ReadSafetensorsFile(out)
		if err != nil {
			t.Fatal(err)
		}
		g, r := got["logits"].Data().([]float32), want[key].Data().([]float32)
		scale, worst := float32(0), float32(0)
		for i := range r {
			scale = max(scale, max(r[i], -r[i]))
			worst = max(worst, max(g[i]-r[i], r[i]-g[i]))
		}
		if worst > 1e-4*scale {
			t.Errorf("%s: logits differ from PyTorch's %s by %g of %g", w, key, worst, scale)
		}
	}
}
