//go:build unix

package data

import (
	"image/color"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadersRefuseFIFOs: a FIFO where a reader expects a data file (an
// IDX file, a CIFAR batch, an image of a folder) is an error naming it; the
// readers used to block forever on it, waiting for a writer.
func TestReadersRefuseFIFOs(t *testing.T) {
	red := pngBytes(t, solid(3, 3, color.RGBA{200, 10, 20, 255}))
	idx, cifar, folder := t.TempDir(), t.TempDir(), t.TempDir()
	writeFile(t, idx, "t10k-labels-idx1-ubyte", idxBytes([]int{1}, []byte{0}))
	writeFile(t, folder, "a/1.png", red)
	fifos := []string{
		filepath.Join(idx, "t10k-images-idx3-ubyte"),
		filepath.Join(cifar, "test_batch.bin"),
		filepath.Join(folder, "a", "2.png"),
	}
	for _, f := range fifos {
		if err := syscall.Mkfifo(f, 0o644); err != nil {
			t.Skip("no mkfifo:", err)
		}
	}
	reads := []func() error{
		func() error { _, err := MNIST(idx, false); return err },
		func() error { _, err := CIFAR10(cifar, false); return err },
		func() error { _, err := ImageFolder(folder, 4); return err },
	}
	for i, read := range reads {
		done := make(chan error, 1)
		go func() { done <- read() }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), fifos[i]) || !strings.Contains(err.Error(), "FIFO") {
				t.Errorf("%s: error %v, want it named as a FIFO", fifos[i], err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%s: the reader blocked on a FIFO", fifos[i])
		}
	}
}
