package weights_test

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/weights"
	"github.com/convzoo/convzoo/zoo"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

const python = "/usr/bin/python3"

var (
	fixturesOnce sync.Once
	fixturesDir  string
	fixturesErr  string
)

// fixtures returns the folder bench/pytorch/weights_fixtures.py wrote:
// $CONVZOO_WEIGHTS_FIXTURES (CI; a missing file is then a failure), or a
// folder generated now when python3-torch is installed and the run is not
// -short; otherwise the test skips saying how to run it.
func fixtures(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("CONVZOO_WEIGHTS_FIXTURES"); d != "" {
		return d
	}
	if testing.Short() {
		t.Skip("PyTorch weight fixtures: set CONVZOO_WEIGHTS_FIXTURES (python3 bench/pytorch/weights_fixtures.py DIR) or run without -short")
	}
	fixturesOnce.Do(func() {
		if err := exec.Command(python, "-c", "import torch, torchvision").Run(); err != nil {
			fixturesErr = "python3-torch/torchvision not installed (" + err.Error() + ")"
			return
		}
		d, err := os.MkdirTemp("", "convzoo-weights-")
		if err != nil {
			fixturesErr = err.Error()
			return
		}
		out, err := exec.Command(python, "../bench/pytorch/weights_fixtures.py", d).CombinedOutput()
		if err != nil {
			fixturesErr = "generating fixtures: " + err.Error() + ": " + string(out)
			return
		}
		fixturesDir = d
	})
	if fixturesErr != "" {
		t.Skip("PyTorch weight fixtures: " + fixturesErr)
	}
	return fixturesDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixturesDir != "" {
		os.RemoveAll(fixturesDir)
	}
	os.Exit(code)
}

// resnet18 builds a 64x64 batch-2 evaluation graph of torchvision's
// resnet18 with the given classes over a fresh store.
func resnet18(t *testing.T, classes int) (*graph.Params, func(in *tensor.Dense) []float32) {
	t.Helper()
	spec, err := zoo.Get("resnet18")
	if err != nil {
		t.Fatal(err)
	}
	ps := graph.NewParams()
	b := graph.NewBuilder(ps, graph.Config{})
	x := b.Input("input", 2, 3, 64, 64)
	y := spec.New(zoo.Config{Classes: classes})(b, x)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	return ps, func(in *tensor.Dense) []float32 {
		if err := G.Let(x, in); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(b.Graph())
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), y.Value().Data().([]float32)...)
	}
}

func readFixture(t *testing.T, dir, file string) map[string]*tensor.Dense {
	t.Helper()
	ts, _, err := graph.ReadSafetensorsFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return ts
}

// relErr is max |got - want| / max |want|.
func relErr(got, want []float32) float64 {
	scale, worst := 0.0, 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range want {
		worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
	}
	return worst / scale
}

// Each file PyTorch users have loads strictly and gives PyTorch's logits.
func TestPyTorchFilesGivePyTorchLogits(t *testing.T) {
	dir := fixtures(t)
	ref := readFixture(t, dir, "logits.safetensors")
	for _, c := range []struct{ file, logits string }{
		{"resnet18.pt", "logits"},
		{"resnet18.ckpt.pt", "logits"},
		{"resnet18.f16.safetensors", "logits_f16"},
		{"resnet18.bf16.safetensors", "logits_bf16"},
	} {
		t.Run(c.file, func(t *testing.T) {
			ps, forward := resnet18(t, 1000)
			rep, err := weights.Load(ps, filepath.Join(dir, c.file), weights.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Loaded) != ps.Len() || len(rep.Kept) != 0 {
				t.Fatalf("loaded %d of %d, kept %v", len(rep.Loaded), ps.Len(), rep.Kept)
			}
			// resnet18 has 20 batch norms, each with an I64 counter.
			if n := len(rep.Skipped); n != 20 || !strings.HasSuffix(rep.Skipped[0].Key, "num_batches_tracked") {
				t.Fatalf("skipped %d: %v", n, rep.Skipped)
			}
			got, want := forward(ref["input"]), ref[c.logits].Data().([]float32)
			e := relErr(got, want)
			if e > 1e-4 {
				t.Fatalf("logits differ from PyTorch's by %.3g of the largest > 1e-4", e)
			}
			t.Logf("max |Go - PyTorch| / max |logit| = %.3g", e)
			if c.file == "resnet18.ckpt.pt" {
				m := rep.Meta
				if m["epoch"] != "3" || m["arch"] != "resnet18" || m["checkpoint_key"] != "state_dict" || m["stripped_prefix"] != "module." {
					t.Errorf("checkpoint metadata %v", m)
				}
			}
		})
	}
}

// ImageNet weights into a 10-class model: strict names both fc tensors
// and changes nothing; partial loads all but fc and keeps fc's values.
func TestPartialLoadForFineTuning(t *testing.T) {
	dir := fixtures(t)
	path := filepath.Join(dir, "resnet18.pt")
	ps, _ := resnet18(t, 10)
	fc, _ := ps.Get("fc.weight")
	conv, _ := ps.Get("conv1.weight")
	fcBefore := fc.Value.Clone().(*tensor.Dense)
	convBefore := conv.Value.Clone().(*tensor.Dense)
	_, err := weights.Load(ps, path, weights.Options{})
	if err == nil || !strings.Contains(err.Error(), "fc.weight: have float32(10, 512), file has float32(1000, 512)") ||
		!strings.Contains(err.Error(), "fc.bias") {
		t.Fatalf("strict load of 1000-class weights into 10 classes: %v", err)
	}
	if !equal(conv.Value, convBefore) {
		t.Fatal("a failed strict load changed conv1.weight")
	}
	rep, err := weights.Load(ps, path, weights.Options{Partial: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Kept, ",") != "fc.weight,fc.bias" || len(rep.Loaded) != ps.Len()-2 {
		t.Fatalf("kept %v, loaded %d of %d", rep.Kept, len(rep.Loaded), ps.Len())
	}
	if !equal(fc.Value, fcBefore) || equal(conv.Value, convBefore) {
		t.Fatal("partial load: fc must keep its values, conv1 must change")
	}
	if s := rep.String(); !strings.Contains(s, "fc.weight (shape (1000, 512), the model's is (10, 512))") {
		t.Fatalf("report %q", s)
	}
}

func TestRefusedPyTorchFiles(t *testing.T) {
	dir := fixtures(t)
	for file, want := range map[string]string{
		"legacy.pt": "_use_new_zipfile_serialization=True",
		"module.pt": "torch.nn.modules.linear.Linear is not part of a state_dict",
	} {
		_, _, err := weights.Read(filepath.Join(dir, file))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), file) {
			t.Errorf("%s: %v, want an error naming the file and saying %q", file, err, want)
		}
	}
}

// A file convzoo writes from PyTorch's weights loads back into
// torchvision with load_state_dict(strict=True), num_batches_tracked absent.
func TestConvertedFileLoadsInPyTorch(t *testing.T) {
	dir := fixtures(t)
	ts, meta, err := weights.Read(filepath.Join(dir, "resnet18.ckpt.pt"))
	if err != nil {
		t.Fatal(err)
	}
	for k := range ts {
		if strings.HasSuffix(k, "num_batches_tracked") {
			delete(ts, k) // as zoo convert's output of a model's store would lack them
		}
	}
	out := filepath.Join(t.TempDir(), "r.safetensors")
	if err := graph.WriteSafetensorsFile(out, ts, meta); err != nil {
		t.Fatal(err)
	}
	b, err := exec.Command(python, "../bench/pytorch/weights_fixtures.py", "--check-load", out).CombinedOutput()
	if err != nil || strings.TrimSpace(string(b)) != "ok" {
		t.Fatalf("PyTorch load_state_dict(strict=True): %v\n%s", err, b)
	}
}

func equal(a, b *tensor.Dense) bool {
	x, y := a.Data().([]float32), b.Data().([]float32)
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return len(x) == len(y)
}
