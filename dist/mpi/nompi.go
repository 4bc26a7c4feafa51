//go:build !mpi

package mpi

import "github.com/convzoo/convzoo/dist"

// Enabled reports whether the binary was built with -tags mpi.
const Enabled = false

// Init returns ErrNotBuilt: this binary was built without -tags mpi.
func Init() (dist.Comm, error) { return nil, ErrNotBuilt }

// Finalize does nothing without -tags mpi.
func Finalize() error { return nil }
