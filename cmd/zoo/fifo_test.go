//go:build unix

package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

// The case: a FIFO given as --weights blocked forever.
func TestForwardRefusesFIFOWeights(t *testing.T) {
	dir := t.TempDir()
	fifo, in := filepath.Join(dir, "w.safetensors"), filepath.Join(dir, "in.safetensors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	x := tensor.New(tensor.WithShape(1, 1, 28, 28), tensor.Of(tensor.Float32))
	if err := graph.WriteSafetensorsFile(in, map[string]*tensor.Dense{"input": x}, nil); err != nil {
		t.Fatal(err)
	}
	refusesFIFO(t, fifo, "forward", "lenet", "--weights", fifo, "--input", in, "--output", filepath.Join(dir, "out.safetensors"))
}

// zoo plot opened history.csv with os.Open: a FIFO there blocked forever.
func TestPlotRefusesFIFOHistory(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "history.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	refusesFIFO(t, fifo, "plot", dir, "--out", filepath.Join(t.TempDir(), "c.png"))
}

// refusesFIFO runs zoo with args and wants an error naming fifo within 20
// seconds, not a process blocked on opening it.
func refusesFIFO(t *testing.T, fifo string, args ...string) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := runZoo(args...)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), fifo) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("zoo %s: error %v, want one naming the FIFO", strings.Join(args, " "), err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("zoo %s blocked on the FIFO %s", strings.Join(args, " "), fifo)
	}
}

// A FIFO given as --labels blocked zoo predict forever.
func TestPredictRefusesFIFOLabels(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "labels.txt")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := runZoo("predict", "lenet", "--weights", filepath.Join(dir, "w.safetensors"), "--labels", fifo, "x.png")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "--labels") || !strings.Contains(err.Error(), fifo) ||
			!strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("error %v, want one naming --labels and the FIFO", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("zoo predict blocked on a FIFO given as --labels")
	}
}
