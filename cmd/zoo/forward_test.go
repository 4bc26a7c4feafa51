package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// forward refuses an --output that is its --weights or --input (also by a
// hard link or a symbolic link), or a device, before reading anything.
func TestForwardOutputIsNotAnInput(t *testing.T) {
	dir := t.TempDir()
	w, in := filepath.Join(dir, "w.safetensors"), filepath.Join(dir, "in.safetensors")
	for _, f := range []string{w, in} {
		if err := os.WriteFile(f, []byte("precious "+f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hard, soft := filepath.Join(dir, "hard"), filepath.Join(dir, "soft")
	if err := os.Link(in, hard); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(w, soft); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{w: w, in: in, hard: in, soft: w, filepath.Join(dir, ".", "w.safetensors"): w}
	for out, same := range cases {
		_, err := runZoo("forward", "lenet", "--weights", w, "--input", in, "--output", out)
		if err == nil || !strings.Contains(err.Error(), "same file") || !strings.Contains(err.Error(), same) {
			t.Errorf("--output %s: error %v, want it named the same file as %s", out, err, same)
		}
	}
	for _, f := range []string{w, in} {
		if b, _ := os.ReadFile(f); string(b) != "precious "+f {
			t.Errorf("%s changed: %q", f, b)
		}
	}
	if fi, err := os.Lstat(os.DevNull); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		_, err := runZoo("forward", "lenet", "--weights", w, "--input", in, "--output", os.DevNull)
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("--output %s: error %v", os.DevNull, err)
		}
	}
}
