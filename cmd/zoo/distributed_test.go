//go:build !mpi

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Without -tags mpi, --distributed fails before any work, saying why.
func TestDistributedNeedsTheMPIBuild(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	_, err := runZoo("train", "lenet", "--distributed", "--limit", "64", "--out", out)
	if err == nil || !strings.Contains(err.Error(), "built without -tags mpi") {
		t.Fatalf("train --distributed without -tags mpi: %v", err)
	}
	if _, serr := os.Stat(out); !os.IsNotExist(serr) {
		t.Errorf("the failed run created %s", out)
	}
}
