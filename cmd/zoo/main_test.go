package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/zoo"
	"gorgonia.org/tensor"
)

// zoo runs the command line with args and returns its output and error.
func runZoo(args ...string) (string, error) {
	var out bytes.Buffer
	root := newRoot()
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestBadInputsAreRejectedBeforeWork(t *testing.T) {
	dir := t.TempDir()
	readonly := filepath.Join(t.TempDir(), "file") // not in dir: a non-empty --out is refused
	os.WriteFile(readonly, []byte("x"), 0o644)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"train", "lenet6"}, []string{`unknown model "lenet6"`, "lenet", "resnet50", "googlenet"}},
		{[]string{"summary", "resnet"}, []string{`unknown model "resnet"`, "resnet18"}},
		{[]string{"train", "lenet", "--batch", "0"}, []string{`invalid argument "0" for "--batch" flag: want a whole number from 1 to 65536`}},
		{[]string{"train", "lenet", "--epochs", "-1"}, []string{"--epochs must be at least 1, got -1"}},
		{[]string{"train", "lenet", "--out", filepath.Join(readonly, "sub")}, []string{"--out", "not writable"}},
		{[]string{"train", "lenet", "--optimizer", "rmsprop", "--out", dir}, []string{`unknown optimizer "rmsprop"`}},
		{[]string{"train", "lenet", "--dataset", "imagenet", "--out", dir}, []string{`unknown dataset "imagenet"`}},
		{[]string{"train", "lenet", "--dataset", "mnist", "--data", filepath.Join(dir, "nowhere"), "--out", dir},
			[]string{filepath.Join(dir, "nowhere", "t10k-images-idx3-ubyte.gz")}},
		{[]string{"train", "resnet20", "--dataset", "cifar10", "--data", filepath.Join(dir, "nocifar"), "--out", dir},
			[]string{filepath.Join(dir, "nocifar")}},
		{[]string{"eval", "lenet"}, []string{"--weights FILE is required"}},
		{[]string{"bench", "lenet", "--steps", "0"}, []string{`invalid argument "0" for "--steps" flag: want a whole number from 1`}},
	}
	for _, c := range cases {
		_, err := runZoo(c.args...)
		if err == nil {
			t.Errorf("zoo %s: no error", strings.Join(c.args, " "))
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("zoo %s: error %q lacks %q", strings.Join(c.args, " "), err, w)
			}
		}
	}
}

func TestListAndSummary(t *testing.T) {
	out, err := runZoo("list")
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range zoo.Specs() {
		if !strings.Contains(out, spec.Name) || !strings.Contains(out, graph.Thousands(spec.Params)) {
			t.Errorf("list lacks %s with %s parameters", spec.Name, graph.Thousands(spec.Params))
		}
	}
	out, err = runZoo("summary", "resnet18", "--classes", "10")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Trainable params: 11,181,642\n") || !strings.Contains(out, "layer4.1.bn2 (BatchNorm2d)") {
		t.Errorf("resnet18 summary with 10 classes:\n%s", out[max(0, len(out)-400):])
	}
}

// TestTrainEvalForward trains LeNet briefly on a subset, then evaluates the
// weights and runs forward on a saved input: the logits of forward must be
// those of the evaluation graph, and eval must read the same weights.
func TestTrainEvalForward(t *testing.T) {
	dir := t.TempDir()
	out, err := runZoo("train", "lenet", "--limit", "640", "--out", dir, "--seed", "3")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, filepath.Join(dir, "weights.safetensors")) {
		t.Errorf("train does not say where it wrote: %s", out)
	}
	hist, err := os.ReadFile(filepath.Join(dir, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(hist)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "epoch,train_loss,train_acc,test_loss,test_acc,seconds,") || !strings.HasPrefix(lines[1], "1,") {
		t.Fatalf("history.csv:\n%s", hist)
	}
	weights := filepath.Join(dir, "weights.safetensors")
	confusion := filepath.Join(dir, "confusion.csv")
	out, err = runZoo("eval", "lenet", "--weights", weights, "--confusion", confusion)
	if err != nil || !strings.Contains(out, "accuracy") || !strings.Contains(out, "top-5") {
		t.Fatalf("eval: %v %s", err, out)
	}
	checkEvalConfusion(t, out, confusion)
	// A checkpoint of another model is refused with a clear error.
	if _, err := runZoo("eval", "resnet20", "--weights", weights); err == nil || !strings.Contains(err.Error(), "lenet") {
		t.Errorf("eval of resnet20 with lenet weights: %v", err)
	}
	in := tensor.New(tensor.WithShape(2, 1, 28, 28), tensor.Of(tensor.Float32))
	for i, d := 0, in.Data().([]float32); i < len(d); i++ {
		d[i] = float32(i%29) / 29
	}
	inPath, outPath := filepath.Join(dir, "in.safetensors"), filepath.Join(dir, "out.safetensors")
	if err := graph.WriteSafetensorsFile(inPath, map[string]*tensor.Dense{"input": in}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := runZoo("forward", "lenet", "--weights", weights, "--input", inPath, "--output", outPath); err != nil {
		t.Fatal(err)
	}
	ts, _, err := graph.ReadSafetensorsFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	logits := ts["logits"]
	if logits == nil || !logits.Shape().Eq(tensor.Shape{2, 10}) {
		t.Fatalf("logits %v", logits)
	}
	if _, err := runZoo("forward", "lenet", "--weights", weights, "--input", weights, "--output", outPath); err == nil ||
		!strings.Contains(err.Error(), `no tensor named "input"`) {
		t.Errorf("forward with a file lacking \"input\": %v", err)
	}
}

func TestBenchJSON(t *testing.T) {
	out, err := runZoo("bench", "lenet", "--batch", "8", "--steps", "2", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, k := range []string{"model", "batch", "train_img_per_s", "infer_img_per_s", "peak_rss_bytes"} {
		if _, ok := r[k]; !ok {
			t.Errorf("bench JSON lacks %s: %s", k, out)
		}
	}
	if r["model"] != "lenet" || r["batch"].(float64) != 8 || r["train_img_per_s"].(float64) <= 0 || r["peak_rss_bytes"].(float64) <= 0 {
		t.Errorf("bench JSON values: %s", out)
	}
	// The total wall time of the 2 timed steps is at least 2 medians'
	// worth minus the faster one: total >= median (bench/compare.sh reads it).
	for _, k := range []string{"train", "infer"} {
		med, _ := r[k+"_step_ms_median"].(float64)
		if k == "infer" {
			med, _ = r["infer_ms_median"].(float64)
		}
		if tot, _ := r[k+"_total_ms"].(float64); med <= 0 || tot < med {
			t.Errorf("bench JSON %s_total_ms %v below its median step %v: %s", k, r[k+"_total_ms"], med, out)
		}
	}
}
