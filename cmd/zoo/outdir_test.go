package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A non-empty --out is refused unless --resume or --force; a run that fails
// on its data leaves no folder behind, and --force keeps old files then.
func TestTrainOutFolder(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old")
	files := map[string]string{"history.csv": "old history", "weights.safetensors": "old weights", "notes.txt": "mine"}
	write := func() {
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(old, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	kept := func(names ...string) {
		t.Helper()
		for _, name := range names {
			if b, err := os.ReadFile(filepath.Join(old, name)); err != nil || string(b) != files[name] {
				t.Errorf("%s: %q %v, want it kept", name, b, err)
			}
		}
	}
	if err := os.Mkdir(old, 0o755); err != nil {
		t.Fatal(err)
	}
	write()
	nowhere := filepath.Join(dir, "nowhere")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", old}, "already holds files"},
		{[]string{"--out", old, "--force", "--resume", filepath.Join(old, "weights.safetensors")}, "contradict"},
		{[]string{"--out", old, "--force", "--data", nowhere}, nowhere},
	} {
		_, err := runZoo(append([]string{"train", "lenet", "--limit", "32"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("train %v: error %v, want %q", c.args, err, c.want)
		}
		kept("history.csv", "weights.safetensors", "notes.txt")
	}

	fresh := filepath.Join(dir, "new", "run")
	if _, err := runZoo("train", "lenet", "--out", fresh, "--data", nowhere); err == nil {
		t.Fatal("train with missing data: no error")
	}
	if _, err := os.Lstat(filepath.Join(dir, "new")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed run left %s behind (%v)", filepath.Join(dir, "new"), err)
	}

	out, err := runZoo("train", "lenet", "--limit", "32", "--out", old, "--force")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "removed the previous run's history.csv, weights.safetensors") {
		t.Errorf("--force does not say what it removed:\n%s", out)
	}
	kept("notes.txt")
	if b, _ := os.ReadFile(filepath.Join(old, "history.csv")); !strings.HasPrefix(string(b), "epoch,") {
		t.Errorf("history.csv not the new run's: %q", b)
	}
}

// TestFreshRunDir: without --out, a run goes to runs/MODEL, or to the first
// of runs/MODEL-2, -3, ... that is missing or empty, so the README's first
// command can be run twice.
func TestFreshRunDir(t *testing.T) {
	base := filepath.Join(t.TempDir(), "lenet")
	if got := freshRunDir(base); got != base {
		t.Fatalf("missing base: %s, want %s", got, base)
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := freshRunDir(base); got != base {
		t.Fatalf("empty base: %s, want %s", got, base)
	}
	for _, d := range []string{base, base + "-2"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "history.csv"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(base+"-3", []byte("a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := freshRunDir(base); got != base+"-4" {
		t.Fatalf("base, -2 hold runs and -3 is a file: %s, want %s-4", got, base)
	}
}
