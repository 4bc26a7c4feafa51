package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

// TestCheckedBeforeTheData: a bad --lr, a missing --resume or --weights,
// a --confusion file that cannot be written and a run file in --out that
// cannot be written are refused before the data
// set is read (--data names a missing folder, whose error would come
// first otherwise); they used to fail after the data load, or after a
// whole epoch for the run files.
func TestCheckedBeforeTheData(t *testing.T) {
	dir := t.TempDir()
	nodata := filepath.Join(dir, "nodata")
	missing := filepath.Join(dir, "missing.safetensors")
	good := filepath.Join(dir, "good.safetensors")
	x := tensor.New(tensor.WithShape(1), tensor.Of(tensor.Float32))
	if err := graph.WriteSafetensorsFile(good, map[string]*tensor.Dense{"x": x}, nil); err != nil {
		t.Fatal(err)
	}
	blocked := filepath.Join(dir, "blocked") // a run folder whose weights.safetensors is a folder
	if err := os.MkdirAll(filepath.Join(blocked, "weights.safetensors"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(blocked+".csv", 0o755); err != nil {
		t.Fatal(err)
	}
	fashion := []string{"--dataset", "fashion-mnist", "--data", nodata}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"train", "lenet", "--lr", "nan", "--out", filepath.Join(dir, "a")}, "--lr must be positive and finite, got NaN"},
		{[]string{"train", "lenet", "--lr", "+Inf", "--out", filepath.Join(dir, "a")}, "--lr must be positive and finite, got +Inf"},
		{[]string{"train", "lenet", "--weights", missing, "--out", filepath.Join(dir, "b")}, "--weights: safefile: open " + missing},
		{[]string{"train", "lenet", "--weights", dir, "--out", filepath.Join(dir, "c")}, "--weights: safefile: " + dir + " is a folder"},
		{[]string{"train", "lenet", "--weights", good, "--force", "--out", blocked}, "--out: safefile: " + filepath.Join(blocked, "weights.safetensors") + " is a folder"},
		{[]string{"train", "lenet", "--force", "--out", blocked}, "--out: safefile: " + filepath.Join(blocked, "weights.safetensors") + " is a folder"},
		{[]string{"eval", "lenet", "--weights", missing}, "--weights: safefile: open " + missing},
		{[]string{"eval", "lenet", "--weights", good, "--confusion", filepath.Join(dir, "no", "c.png")}, "--confusion: safefile: the folder " + filepath.Join(dir, "no")},
		{[]string{"eval", "lenet", "--weights", good, "--confusion", blocked + ".csv"}, "--confusion: safefile: " + blocked + ".csv is a folder"},
	}
	for _, c := range cases {
		_, err := runZoo(append(c.args, fashion...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("zoo %s: error %v, want %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	for _, sub := range []string{"a", "b", "c"} {
		if _, err := os.Lstat(filepath.Join(dir, sub)); err == nil {
			t.Errorf("a refused run left the folder %s", sub)
		}
	}
}

// TestGraphBeforeTheData: train and eval build the model and load the
// weights before reading the data set, so a --size the graph refuses, a
// checkpoint that does not fit and too few --classes are reported before a
// single image is decoded (here the images could not be: they are not
// PNGs). An image folder was decoded at --size 4096 first, which for a
// real folder meant gigabytes and minutes before the refusal.
func TestGraphBeforeTheData(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"train/cat/a.png", "train/dog/a.png", "val/cat/a.png"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("not a png"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ps := graph.NewParams() // a LeNet checkpoint for 10 classes of 28x28 gray images
	x := tensor.New(tensor.WithShape(10, 84), tensor.Of(tensor.Float32))
	if _, err := ps.Add("fc3.weight", x, true); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "lenet.safetensors")
	if err := ps.Save(ckpt, map[string]string{"model": "lenet"}); err != nil {
		t.Fatal(err)
	}
	folder := []string{"--dataset", "folder", "--data", dir}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"train", "lenet", "--size", "4096", "--out", filepath.Join(dir, "o1")}, "graph: conv1: Conv2d: output of shape (32, 6, 4096, 4096)"},
		{[]string{"train", "lenet", "--weights", ckpt, "--out", filepath.Join(dir, "o2")}, "parameters do not match"},
		{[]string{"train", "lenet", "--classes", "1", "--out", filepath.Join(dir, "o3")}, "--classes 1: folder has 2 classes"},
		{[]string{"eval", "lenet", "--weights", ckpt}, "parameters do not match"},
	}
	for _, c := range cases {
		_, err := runZoo(append(c.args, folder...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("zoo %s: error %v, want %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

// TestForwardNamesTheFlag: forward's unreadable --weights or --input is
// named by its flag, before the input is read (a missing --weights was
// reported only after reading the input and building the graph, as
// "loading W: ...").
func TestForwardNamesTheFlag(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	in := filepath.Join(dir, "in.safetensors")
	if err := os.WriteFile(in, []byte("not read"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.safetensors")
	for _, c := range []struct{ weights, input, want string }{
		{missing, in, "--weights: safefile: open " + missing},
		{in, missing, "--input: safefile: open " + missing},
		{in, dir, "--input: safefile: " + dir + " is a folder"},
	} {
		_, err := runZoo("forward", "lenet", "--weights", c.weights, "--input", c.input, "--output", out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--weights %s --input %s: error %v, want %q", c.weights, c.input, err, c.want)
		}
	}
}
