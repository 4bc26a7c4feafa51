//go:build unix

package graph

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gorgonia.org/tensor"
)

// The clobbering cases through the graph writer: a device is
// refused and a symbolic link stays a link; a new file is 0666 less the
// umask (it was 0600).
func TestWriteSafetensorsFileSafe(t *testing.T) {
	dir := t.TempDir()
	ts := map[string]*tensor.Dense{"logits": tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float32{1, 2}))}
	real, link := filepath.Join(dir, "real.safetensors"), filepath.Join(dir, "link.safetensors")
	if err := WriteSafetensorsFile(real, ts, nil); err != nil {
		t.Fatal(err)
	}
	um := syscall.Umask(0)
	syscall.Umask(um)
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o666&^os.FileMode(um) {
		t.Errorf("new file mode %o, want %o", fi.Mode().Perm(), 0o666&^os.FileMode(um))
	}
	if err := os.Symlink("real.safetensors", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteSafetensorsFile(link, ts, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symbolic link was replaced by a %v", fi.Mode().Type())
	}
	if _, meta, err := ReadSafetensorsFile(real); err != nil || meta["k"] != "v" {
		t.Errorf("link target not rewritten: %v %v", meta, err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	err := WriteSafetensorsFile(fifo, ts, nil)
	if err == nil || !strings.Contains(err.Error(), fifo) || !strings.HasPrefix(err.Error(), "graph: ") {
		t.Errorf("writing over a FIFO: error %v", err)
	}
	if fi, _ := os.Lstat(fifo); fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced by a %v", fi.Mode().Type())
	}
}

// A FIFO given as a safetensors file to read is refused, not waited on.
func TestReadSafetensorsFileRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "w.safetensors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() { _, _, err := ReadSafetensorsFile(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), fifo) || !strings.Contains(err.Error(), "FIFO") {
			t.Errorf("error %v, want one naming the FIFO", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ReadSafetensorsFile blocked on a FIFO")
	}
}
