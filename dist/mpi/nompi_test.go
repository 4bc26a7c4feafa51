//go:build !mpi

package mpi

import (
	"errors"
	"strings"
	"testing"
)

func TestInitWithoutTheTag(t *testing.T) {
	c, err := Init()
	if c != nil || !errors.Is(err, ErrNotBuilt) || !strings.Contains(err.Error(), "built without -tags mpi") {
		t.Fatalf("Init without -tags mpi: %v, %v", c, err)
	}
	if Enabled {
		t.Error("Enabled without -tags mpi")
	}
}
