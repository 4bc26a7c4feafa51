package main

import (
	"bufio"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/data/mnist"
	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/zoo"
	"gorgonia.org/tensor"
)

// TestPredictMatchesEvalGraph writes MNIST test digits as PNG files, runs
// `zoo predict lenet --json` on them and requires each line's ranking and
// probabilities to be the softmax of the logits the evaluation graph
// gives for the same digit normalised by the data loader (28x28 grey
// needs no resize, so the two paths must agree to float rounding). An
// unreadable file is reported and the others still predicted.
func TestPredictMatchesEvalGraph(t *testing.T) {
	dir := t.TempDir()
	test, err := mnist.Test()
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	ps := graph.NewParams()
	spec, _ := zoo.Get("lenet")
	net, err := graph.Compile(spec.New(zoo.Config{}), ps, graph.CompileConfig{Batch: n, Input: []int{1, 28, 28}})
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	weights := filepath.Join(dir, "lenet.safetensors")
	if err := ps.Save(weights, nil); err != nil {
		t.Fatal(err)
	}
	ld, err := data.NewLoader(test, data.LoaderConfig{BatchSize: n, Mean: data.MNISTInfo.Mean, Std: data.MNISTInfo.Std})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ld.Next()
	ld.Close()
	logits, err := net.Forward(tensor.New(tensor.WithShape(n, 1, 28, 28), tensor.WithBacking(b.X)))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i := range n {
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		copy(img.Pix, test.Images[i*784:(i+1)*784])
		p := filepath.Join(dir, "digit"+string(rune('0'+i))+".png")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
		paths = append(paths, p)
	}
	broken := filepath.Join(dir, "broken.png")
	os.WriteFile(broken, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	args := append([]string{"predict", "lenet", "--weights", weights, "--json", "--top", "3", "--batch", "4"}, paths[:2]...)
	args = append(append(args, broken), paths[2:]...)
	out, err := runZoo(args...)
	if err == nil || !strings.Contains(err.Error(), "1 of 7 pictures could not be read") {
		t.Errorf("exit error %v, want 1 of 7 pictures could not be read", err)
	}
	if !strings.Contains(out, broken) {
		t.Errorf("the output does not name %s:\n%s", broken, out)
	}
	var got []prediction
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "{") {
			var p prediction
			if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
				t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
			}
			got = append(got, p)
		}
	}
	if len(got) != n {
		t.Fatalf("%d JSON lines, want %d:\n%s", len(got), n, out)
	}
	row := logits.Data().([]float32)
	for i, p := range got {
		if p.Image != paths[i] || p.Model != "lenet" || len(p.Top) != 3 {
			t.Fatalf("line %d: %+v", i, p)
		}
		l := row[i*10 : (i+1)*10]
		mx, sum := math.Inf(-1), 0.0
		for _, v := range l {
			mx = math.Max(mx, float64(v))
		}
		for _, v := range l {
			sum += math.Exp(float64(v) - mx)
		}
		for r, c := range p.Top {
			want := math.Exp(float64(l[c.Class])-mx) / sum
			if math.Abs(c.Prob-want) > 1e-5 || c.Label != data.MNISTClasses[c.Class] {
				t.Errorf("%s rank %d: %+v, want p=%.6f label %s", p.Image, r, c, want, data.MNISTClasses[c.Class])
			}
			for j, v := range l {
				if float64(v) > float64(l[c.Class]) && !ranked(p.Top[:r], j) {
					t.Errorf("%s rank %d: class %d (logit %g) beats class %d (%g) but is not ranked above it", p.Image, r, j, v, c.Class, l[c.Class])
				}
			}
		}
	}
	table, err := runZoo("predict", "lenet", "--weights", weights, paths[0])
	if err != nil || !strings.Contains(table, paths[0]+"\n   1  ") || !strings.Contains(table, "%  ") {
		t.Errorf("table output: %v\n%s", err, table)
	}
}

func ranked(top []classScore, class int) bool {
	for _, c := range top {
		if c.Class == class {
			return true
		}
	}
	return false
}

func TestPredictErrors(t *testing.T) {
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.txt")
	os.WriteFile(labels, []byte("a\nb\n"), 0o644)
	gap := filepath.Join(dir, "gap.txt")
	os.WriteFile(gap, []byte("a\n\nb\n"), 0o644)
	w := filepath.Join(dir, "w.safetensors")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"predict", "lenet", "x.png"}, "--weights FILE is required"},
		{[]string{"predict", "lenet", "--weights", w}, "no pictures given"},
		{[]string{"predict", "lenet", "--weights", w, "--top", "0", "x.png"}, "--top must be at least 1"},
		{[]string{"predict", "lenet", "--weights", w, "--labels", labels, "--classes", "10", "x.png"}, "2 labels for a model with 10 classes"},
		{[]string{"predict", "lenet", "--weights", w, "--labels", gap, "x.png"}, gap + " line 2 is empty"},
		{[]string{"predict", "lenet", "--weights", w, "--labels", filepath.Join(dir, "none.txt"), "x.png"}, "none.txt"},
		{[]string{"predict", "lenet", "--weights", w, "x.png"}, w},
		{[]string{"predict", "lenet", "--weights", w, "--dataset", "svhn", "x.png"}, `unknown data set "svhn"`},
	} {
		if _, err := runZoo(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("zoo %s: %v, want an error containing %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}
