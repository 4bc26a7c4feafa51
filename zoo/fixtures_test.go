package zoo

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

// fixtureModels are the models bench/pytorch/export_fixtures.py exports:
// seeded torchvision weights (BN statistics made non-trivial), an input
// and PyTorch's eval-mode logits.
var fixtureModels = []string{"lenet", "resnet20", "alexnet", "googlenet", "resnet18", "resnet50", "vgg11_bn"}

// TestPyTorchFixtures loads each fixture's state_dict into the zoo model,
// runs the evaluation graph on the fixture's input and requires the
// logits to agree with PyTorch's within 1e-4 relative to the largest
// logit. CI sets CONVZOO_FIXTURES to the folder the exporter wrote; a
// missing fixture is then a failure. Without the variable the test skips.
func TestPyTorchFixtures(t *testing.T) {
	dir := os.Getenv("CONVZOO_FIXTURES")
	if dir == "" {
		t.Skip("CONVZOO_FIXTURES is not set; generate with: /usr/bin/python3 bench/pytorch/export_fixtures.py DIR")
	}
	for _, name := range fixtureModels {
		t.Run(name, func(t *testing.T) {
			got, want := fixtureForward(t, dir, name)
			scale := 0.0
			for _, v := range want {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			worst := 0.0
			for i := range want {
				worst = math.Max(worst, math.Abs(float64(got[i]-want[i]))/scale)
			}
			if worst > 1e-4 {
				t.Fatalf("%s: logits differ from PyTorch's by %.3g of the largest logit (%.4g) > 1e-4", name, worst, scale)
			}
			t.Logf("%s: max |Go - PyTorch| / max|logit| = %.3g (max |logit| %.4g)", name, worst, scale)
		})
	}
}

// fixtureForward returns the Go logits and PyTorch's for one model.
func fixtureForward(t *testing.T, dir, name string) (got, want []float32) {
	t.Helper()
	read := func(kind, key string) *tensor.Dense {
		path := filepath.Join(dir, name+"."+kind+".safetensors")
		ts, _, err := graph.ReadSafetensorsFile(path)
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
		v, ok := ts[key]
		if !ok {
			t.Fatalf("fixture %s has no tensor %q", path, key)
		}
		return v
	}
	in, logits := read("input", "input"), read("logits", "logits")
	spec, err := Get(name)
	if err != nil {
		t.Fatal(err)
	}
	s := in.Shape()
	cfg := Config{Classes: logits.Shape()[1], InChannels: s[1]}
	ps := graph.NewParams()
	net, err := graph.Compile(spec.New(cfg), ps, graph.CompileConfig{Batch: s[0], Input: s[1:]})
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	if _, err := ps.Load(filepath.Join(dir, name+".weights.safetensors")); err != nil {
		t.Fatalf("loading PyTorch's state_dict: %v", err)
	}
	y, err := net.Forward(in)
	if err != nil {
		t.Fatal(err)
	}
	if !y.Shape().Eq(logits.Shape()) {
		t.Fatalf("logits shape %v, PyTorch's %v", y.Shape(), logits.Shape())
	}
	return y.Data().([]float32), logits.Data().([]float32)
}
