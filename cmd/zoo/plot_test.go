package main

import (
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/train"
)

// decodePNG decodes path and returns the image.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func writeRun(t *testing.T, dir, history string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "history.csv"), []byte(history), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPlot(t *testing.T) {
	dir := t.TempDir()
	a := writeRun(t, filepath.Join(dir, "adam"), train.CSVHeader+"\n1,1.2,0.6,1.0,0.65,3,0.9,0.95,0.001\n2,0.8,0.75,0.9,0.7,3,0.95,0.97,0.0005\n")
	b := writeRun(t, filepath.Join(dir, "sgd"), "epoch,train_loss,train_acc,test_loss,test_acc,seconds\n1,2,0.3,,,1\n2,1.5,0.5,,,1\n3,1,0.6,,,1\n")
	out := filepath.Join(dir, "curves.png")
	if _, err := runZoo("plot", a, b, "--out", out); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, out)
	if s := img.Bounds().Size(); s.X != 1200 || s.Y != 500 {
		t.Errorf("curves.png is %v, want 1200x500", s)
	}
	// Something is drawn: the image has more than a handful of colours.
	colours := map[[4]uint32]bool{}
	for y := 0; y < 500; y += 2 {
		for x := 0; x < 1200; x += 2 {
			r, g, b, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, b, a}] = true
		}
	}
	if len(colours) < 10 {
		t.Errorf("curves.png has %d colours: blank?", len(colours))
	}
	if _, err := runZoo("plot", a, "--out", out, "--width", "640", "--height", "480"); err != nil {
		t.Fatal(err)
	}
	if s := decodePNG(t, out).Bounds().Size(); s.X != 640 || s.Y != 480 {
		t.Errorf("--width 640 --height 480: %v", s)
	}

	bad := writeRun(t, filepath.Join(dir, "bad"), train.CSVHeader+"\n1,1.2,0.6,1.0,0.65,3,0.9,0.95,0.001\n2,0.8,oops,0.9,0.7,3,0.95,0.97,0.0005\n")
	empty := writeRun(t, filepath.Join(dir, "empty"), train.CSVHeader+"\n")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"plot", filepath.Join(dir, "missing"), "--out", out}, []string{filepath.Join(dir, "missing", "history.csv")}},
		{[]string{"plot", a, bad, "--out", out}, []string{filepath.Join(bad, "history.csv"), "line 3", "train_acc", "oops"}},
		{[]string{"plot", empty, "--out", out}, []string{filepath.Join(empty, "history.csv"), "no epochs"}},
		{[]string{"plot", a}, []string{"--out"}},
		{[]string{"plot", a, "--out", filepath.Join(dir, "curves.jpg")}, []string{"curves.jpg", ".png"}},
		{[]string{"plot", a, "--out", out, "--width", "5"}, []string{"5x500"}},
	} {
		_, err := runZoo(tc.args...)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %v, want one containing %q", tc.args[1:], err, w)
			}
		}
	}
}

// TestConfusionFiles checks the CSV of a hand-made matrix to the byte, and
// the PNG's size.
func TestConfusionFiles(t *testing.T) {
	m := train.NewMetrics(3)
	// true 0: 2 right, 1 as class 2; true 1: 1 as 0; true 2: 1 right.
	if err := m.Add([]float64{9, 0, 0, 9, 0, 0, 0, 0, 9, 9, 0, 0, 0, 0, 9}, 3, []int{0, 0, 0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "c.csv")
	if err := writeConfusion(csvPath, m, []string{"cat", "dog"}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(csvPath)
	want := "true\\predicted,cat,dog,class 2\ncat,2,0,1\ndog,1,0,0\nclass 2,0,0,1\n"
	if string(got) != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", got, want)
	}
	pngPath := filepath.Join(dir, "c.png")
	if err := writeConfusion(pngPath, m, nil); err != nil {
		t.Fatal(err)
	}
	if s := decodePNG(t, pngPath).Bounds().Size(); s.X != 400 || s.Y != 400 {
		t.Errorf("3-class heat map is %v, want 400x400", s)
	}
	if err := writeConfusion(filepath.Join(dir, "c.txt"), m, nil); err == nil || !strings.Contains(err.Error(), "c.txt") {
		t.Errorf("c.txt: %v", err)
	}
	var sb strings.Builder
	classReport(&sb, m, []string{"cat", "dog"})
	for _, w := range []string{"cat        66.67%  3", "dog         0.00%  1", "class 2   100.00%  1"} {
		if !strings.Contains(sb.String(), w) {
			t.Errorf("per-class report lacks %q:\n%s", w, sb.String())
		}
	}
}

// checkEvalConfusion checks zoo eval's output against the confusion CSV it
// wrote: each class's printed accuracy is its diagonal over its row sum.
func checkEvalConfusion(t *testing.T, out, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 11 {
		t.Fatalf("confusion CSV has %d lines, want 11:\n%s", len(lines), raw)
	}
	total := 0
	for i, line := range lines[1:] {
		f := strings.Split(line, ",")
		row, diag := 0, 0
		for j, v := range f[1:] {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("line %d: %q", i+2, line)
			}
			row += n
			if j == i {
				diag = n
			}
		}
		total += row
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(f[0]) + `\s+([0-9.]+)%\s+` + strconv.Itoa(row) + `$`)
		mm := re.FindStringSubmatch(out)
		if mm == nil {
			t.Fatalf("no per-class line for %s with %d examples in:\n%s", f[0], row, out)
		}
		if acc, _ := strconv.ParseFloat(mm[1], 64); math.Abs(acc-100*float64(diag)/float64(row)) > 0.0051 {
			t.Errorf("class %s: printed %v%%, CSV %d/%d", f[0], acc, diag, row)
		}
	}
	if total != 10000 {
		t.Errorf("confusion matrix counts %d examples, want 10000", total)
	}
}

// TestPlotLegendNames: runs in folders of the same name get the path
// elements that tell them apart, not the same legend twice.
func TestPlotLegendNames(t *testing.T) {
	for _, tc := range []struct{ dirs, want []string }{
		{[]string{"runs/adam", "runs/sgd"}, []string{"adam", "sgd"}},
		{[]string{"a/lenet", "b/lenet/"}, []string{"a/lenet", "b/lenet"}},
		{[]string{"x/a/lenet", "y/a/lenet", "z/resnet20"}, []string{"x/a/lenet", "y/a/lenet", "z/resnet20"}},
		{[]string{"lenet", "./lenet"}, []string{"lenet", "lenet"}}, // the same folder twice: nothing tells them apart
	} {
		runs := make([]namedHistory, len(tc.dirs))
		for i, d := range tc.dirs {
			runs[i].dir = d
		}
		distinctNames(runs)
		for i, r := range runs {
			if r.name != tc.want[i] {
				t.Errorf("%v: run %d named %q, want %q", tc.dirs, i, r.name, tc.want[i])
			}
		}
	}
}
