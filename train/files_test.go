//go:build unix

package train

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// History and checkpoints are written with safefile.Write: a history path
// that is a symbolic link stays one, files get 0666 less the umask (they
// were 0600), and a stale temporary file of a crashed run is removed.
func TestTrainFilesSafe(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	kept := filepath.Join(dir, "kept.csv")
	if err := os.WriteFile(kept, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	history := filepath.Join(out, "history.csv")
	if err := os.Symlink(kept, history); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(out, ".weights.safetensors.tmp-4242")
	if err := os.WriteFile(stale, []byte("crashed"), 0o600); err != nil {
		t.Fatal(err)
	}
	tr := newTrainer(t, Config{Epochs: 1, BatchSize: 32, MaxSteps: 1, Seed: 1,
		Hooks: []Hook{CSVHistory(history), Checkpoint(out, 1, nil)}})
	if _, err := tr.Fit(patterns(64, 1), nil); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(history); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("history link replaced (%v)", err)
	}
	if fi, err := os.Stat(kept); err != nil {
		t.Error(err)
	} else if fi.Size() == 0 || fi.Mode().Perm() != 0o640 {
		t.Errorf("link target: %d bytes, mode %o; want the history, mode 0640 kept", fi.Size(), fi.Mode().Perm())
	}
	um := syscall.Umask(0)
	syscall.Umask(um)
	want := 0o666 &^ os.FileMode(um)
	for _, f := range []string{"weights.safetensors", "checkpoint-epoch1.safetensors"} {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		} else if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", f, fi.Mode().Perm(), want)
		}
	}
	if _, err := os.Lstat(stale); err == nil {
		t.Errorf("stale temporary file %s left", stale)
	}
}
