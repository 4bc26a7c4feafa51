package main

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/internal/pyref"
)

// TestPredictMatchesPyTorch runs `zoo predict resnet18 --json` and
// PyTorch's whole pipeline (PIL decode, torchvision's evaluation
// transform, torchvision's resnet18, softmax) on the same pictures and
// weights (testdata/predict_reference.py writes both at test time): real
// photographs from Debian's python3-skimage when installed, and synthetic
// ones. On PNG pictures the top-1 class must be PyTorch's and every top-5
// probability within 1e-4 of it; on the JPEG the difference is reported
// (Go's and libjpeg's decoders differ).
func TestPredictMatchesPyTorch(t *testing.T) {
	if testing.Short() && os.Getenv("CONVZOO_FIXTURES") == "" {
		t.Skip("runs PyTorch and resnet18 (a minute); CI runs it (CONVZOO_FIXTURES)")
	}
	dir := t.TempDir()
	skimage := "/usr/lib/python3/dist-packages/skimage/data/"
	pyref.Run(t, "testdata/predict_reference.py", dir, skimage+"chelsea.png", skimage+"coffee.png", skimage+"astronaut.png")
	var want map[string]struct {
		Top  []int
		Prob []float64
	}
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err == nil {
		err = json.Unmarshal(b, &want)
	}
	if err != nil || len(want) < 4 {
		t.Fatalf("expected.json: %v (%d pictures)", err, len(want))
	}
	var names []string
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	args := []string{"predict", "resnet18", "--weights", filepath.Join(dir, "resnet18.safetensors"), "--json", "--batch", "2"}
	for _, name := range names {
		args = append(args, filepath.Join(dir, name))
	}
	out, err := runZoo(args...)
	if err != nil {
		t.Fatalf("zoo predict: %v\n%s", err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	seen := 0
	for sc.Scan() {
		var p prediction
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		name := filepath.Base(p.Image)
		ref, ok := want[name]
		if !ok || len(p.Top) != 5 || p.Model != "resnet18" {
			t.Fatalf("unexpected line %+v", p)
		}
		seen++
		worst := 0.0
		for _, c := range p.Top {
			worst = math.Max(worst, probDiff(ref.Top, ref.Prob, c))
		}
		agree := p.Top[0].Class == ref.Top[0]
		t.Logf("%s: Go top-1 %d %q p=%.4f, PyTorch %d p=%.4f; max |dp| over Go's top 5 = %.2g",
			name, p.Top[0].Class, p.Top[0].Label, p.Top[0].Prob, ref.Top[0], ref.Prob[0], worst)
		if strings.HasSuffix(name, ".jpg") {
			continue
		}
		if !agree {
			t.Errorf("%s: top-1 %d, PyTorch's %d", name, p.Top[0].Class, ref.Top[0])
		}
		if worst > 1e-4 {
			t.Errorf("%s: probabilities differ from PyTorch's by up to %.3g (> 1e-4)", name, worst)
		}
	}
	if seen != len(want) {
		t.Errorf("%d predictions for %d pictures", seen, len(want))
	}
}

// probDiff is |Go's probability of c - PyTorch's|; when c is not in
// PyTorch's top 5, PyTorch's is at most its fifth one.
func probDiff(top []int, prob []float64, c classScore) float64 {
	for i, t := range top {
		if t == c.Class {
			return math.Abs(c.Prob - prob[i])
		}
	}
	return math.Max(0, c.Prob-prob[len(prob)-1])
}
