package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

// TestCheckedBeforeTheData: a bad --lr, a missing --resume or --weights and
// a run file in --out that cannot be written are refused before the data
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
	fashion := []string{"--dataset", "fashion-mnist", "--data", nodata}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"train", "lenet", "--lr", "nan", "--out", filepath.Join(dir, "a")}, "--lr must be positive and finite, got NaN"},
		{[]string{"train", "lenet", "--lr", "+Inf", "--out", filepath.Join(dir, "a")}, "--lr must be positive and finite, got +Inf"},
		{[]string{"train", "lenet", "--resume", missing, "--out", filepath.Join(dir, "b")}, "--resume: safefile: open " + missing},
		{[]string{"train", "lenet", "--resume", dir, "--out", filepath.Join(dir, "c")}, "--resume: safefile: " + dir + " is a folder"},
		{[]string{"train", "lenet", "--resume", good, "--out", blocked}, "--out: safefile: " + filepath.Join(blocked, "weights.safetensors") + " is a folder"},
		{[]string{"train", "lenet", "--force", "--out", blocked}, "--out: safefile: " + filepath.Join(blocked, "weights.safetensors") + " is a folder"},
		{[]string{"eval", "lenet", "--weights", missing}, "--weights: safefile: open " + missing},
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
