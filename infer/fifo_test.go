//go:build unix

package infer

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A FIFO given as a picture blocked DecodeFile (and zoo predict) forever
// in open(2); it is an error naming it.
func TestDecodeFileRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := DecodeFile(fifo, DecodeOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), fifo) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("DecodeFile(FIFO): %v, want an error naming it as not a regular file", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("DecodeFile blocked on a FIFO")
	}
}
