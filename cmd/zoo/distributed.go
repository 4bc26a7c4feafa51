package main

import (
	"fmt"
	"os"

	"github.com/convzoo/convzoo/dist"
	"github.com/convzoo/convzoo/dist/mpi"
	"github.com/convzoo/convzoo/train"
	"gorgonia.org/tensor"
)

// job is this process's place in a distributed run: comm is nil when
// --distributed is not set.
type job struct{ comm dist.Comm }

// joinJob joins the MPI job when on is set; without -tags mpi that is an
// error saying so.
func joinJob(on bool) (job, error) {
	if !on {
		return job{}, nil
	}
	c, err := mpi.Init()
	if err != nil {
		return job{}, err
	}
	return job{comm: c}, nil
}

// leader reports whether this process writes files and logs: rank 0, or
// the only process.
func (j job) leader() bool { return j.comm == nil || j.comm.Rank() == 0 }

// ranks is the number of processes of the run.
func (j job) ranks() int {
	if j.comm == nil {
		return 1
	}
	return j.comm.Size()
}

// end finishes the process's part: on error with several ranks it prints
// the error with the rank and aborts the whole job, so that no rank waits
// for this one; otherwise it shuts MPI down.
func (j job) end(err error) error {
	if j.comm == nil {
		return err
	}
	if err != nil && j.comm.Size() > 1 {
		fmt.Fprintf(os.Stderr, "zoo: rank %d of %d: %v\n", j.comm.Rank(), j.comm.Size(), err)
		j.comm.Abort(1)
	}
	if ferr := mpi.Finalize(); err == nil {
		err = ferr
	}
	return err
}

// readCheckpoint reads a checkpoint; in a distributed job rank 0 reads it
// and broadcasts it, so it need be on rank 0's disk only.
func (j job) readCheckpoint(path string) (map[string]*tensor.Dense, map[string]string, error) {
	return train.ReadSafetensorsShared(j.comm, path)
}
