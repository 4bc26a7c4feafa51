//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bench --cpuprofile was opened with os.Create: a FIFO blocked forever, a
// missing folder was found only then, and an existing file was emptied
// even when the run failed. Now the path is checked first and written
// atomically only by a run that succeeds.
func TestBenchProfileFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := runZoo("bench", "lenet", "--steps", "1", "--batch", "1", "--cpuprofile", fifo)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "--cpuprofile: safefile: "+fifo+" is a FIFO") {
			t.Errorf("FIFO: error %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("bench blocked on a FIFO given as --cpuprofile")
	}
	kept := filepath.Join(dir, "precious")
	if err := os.WriteFile(kept, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The run fails (the graph refuses the size) after the profile started.
	if _, err := runZoo("bench", "lenet", "--steps", "1", "--size", "1", "--cpuprofile", kept); err == nil {
		t.Fatal("bench lenet --size 1: no error")
	}
	if b, _ := os.ReadFile(kept); string(b) != "precious" {
		t.Errorf("a failed run emptied --cpuprofile's file: %q", b)
	}
	prof := filepath.Join(dir, "cpu.pprof")
	if _, err := runZoo("bench", "lenet", "--steps", "1", "--batch", "1", "--cpuprofile", prof); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(prof); err != nil || fi.Size() == 0 {
		t.Errorf("profile of a good run: %v", err)
	}
}
