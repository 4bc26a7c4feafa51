// Package mpi is a thin cgo binding to Open MPI that implements dist.Comm
// over MPI_COMM_WORLD: Init and Finalize, rank and size, in-place
// MPI_Allreduce (MPI_SUM) and MPI_Bcast of float32 and float64 buffers,
// MPI_Barrier and MPI_Abort.
//
// The binding is compiled only with the build tag "mpi", which needs cgo
// and the MPI headers and library (Debian: libopenmpi-dev, found with
// pkg-config's ompi-c):
//
//	go build -tags mpi ./cmd/zoo
//	mpirun -np 2 ./zoo train lenet --distributed
//
// Without the tag the package is pure Go and Init returns ErrNotBuilt, so
// the default build and its tests need neither MPI nor cgo.
//
// MPI is initialised with MPI_THREAD_SERIALIZED and every call holds one
// lock, because Go may run successive cgo calls on different OS threads.
// MPI errors are returned (MPI_ERRORS_RETURN) with MPI's message, never
// fatal inside MPI.
package mpi

import "github.com/pkg/errors"

// ErrNotBuilt is Init's error in a binary built without -tags mpi.
var ErrNotBuilt = errors.New("dist/mpi: distributed mode needs MPI, but this binary was built without -tags mpi (go build -tags mpi, with libopenmpi-dev installed)")
