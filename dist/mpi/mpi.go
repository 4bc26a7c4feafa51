//go:build mpi

package mpi

/*
#cgo pkg-config: ompi-c
#include <mpi.h>

static int zoo_init(int *provided) {
	int flag = 0;
	MPI_Initialized(&flag);
	if (!flag) {
		int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, provided);
		if (rc != MPI_SUCCESS) return rc;
	} else {
		MPI_Query_thread(provided);
	}
	return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}
static int zoo_rank(int *r) { return MPI_Comm_rank(MPI_COMM_WORLD, r); }
static int zoo_size(int *n) { return MPI_Comm_size(MPI_COMM_WORLD, n); }
static int zoo_allreduce(void *buf, int n, int f64) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, n, f64 ? MPI_DOUBLE : MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}
static int zoo_bcast(void *buf, int n, int f64, int root) {
	return MPI_Bcast(buf, n, f64 ? MPI_DOUBLE : MPI_FLOAT, root, MPI_COMM_WORLD);
}
static int zoo_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static int zoo_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }
static int zoo_finalize(void) {
	int flag = 0;
	MPI_Finalized(&flag);
	return flag ? MPI_SUCCESS : MPI_Finalize();
}
static void zoo_errstr(int code, char *s) {
	int n = 0;
	if (MPI_Error_string(code, s, &n) != MPI_SUCCESS) n = 0;
	s[n] = 0;
}
static int zoo_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
*/
import "C"

import (
	"os"
	"sync"
	"unsafe"

	"github.com/convzoo/convzoo/dist"
	"github.com/pkg/errors"
)

// Enabled reports whether the binary was built with -tags mpi.
const Enabled = true

// maxCount is the most elements one MPI call moves (MPI counts are C
// ints); larger buffers go in several calls.
const maxCount = 1 << 30

var (
	mu   sync.Mutex // every MPI call: MPI_THREAD_SERIALIZED
	once sync.Once
	comm *world
	ierr error
)

// Init initialises MPI (once per process; later calls return the same
// Comm) and returns the communicator of all ranks, MPI_COMM_WORLD.
func Init() (dist.Comm, error) {
	once.Do(func() {
		mu.Lock()
		defer mu.Unlock()
		var provided, rank, size C.int
		if err := check("MPI_Init_thread", C.zoo_init(&provided)); err != nil {
			ierr = err
			return
		}
		if provided < C.MPI_THREAD_SERIALIZED {
			ierr = errors.Errorf("dist/mpi: MPI provides thread level %d, below MPI_THREAD_SERIALIZED", provided)
			return
		}
		if err := check("MPI_Comm_rank", C.zoo_rank(&rank)); err != nil {
			ierr = err
			return
		}
		if err := check("MPI_Comm_size", C.zoo_size(&size)); err != nil {
			ierr = err
			return
		}
		comm = &world{rank: int(rank), size: int(size)}
	})
	if ierr != nil {
		return nil, ierr
	}
	return comm, nil
}

// Finalize shuts MPI down; call it once, after the last collective, on
// every rank.
func Finalize() error {
	mu.Lock()
	defer mu.Unlock()
	return check("MPI_Finalize", C.zoo_finalize())
}

// check turns an MPI return code into an error carrying MPI's message.
func check(fn string, rc C.int) error {
	if rc == C.MPI_SUCCESS {
		return nil
	}
	buf := make([]C.char, C.zoo_max_error_string()+1)
	C.zoo_errstr(rc, &buf[0])
	return errors.Errorf("dist/mpi: %s: %s (code %d)", fn, C.GoString(&buf[0]), int(rc))
}

type world struct{ rank, size int }

func (w *world) Rank() int { return w.rank }
func (w *world) Size() int { return w.size }

func (w *world) AllreduceFloat32(buf []float32) error { return allreduce(buf, 0) }
func (w *world) AllreduceFloat64(buf []float64) error { return allreduce(buf, 1) }

func (w *world) BcastFloat32(buf []float32, root int) error { return bcast(w, buf, 0, root) }
func (w *world) BcastFloat64(buf []float64, root int) error { return bcast(w, buf, 1, root) }

func (w *world) Barrier() error {
	mu.Lock()
	defer mu.Unlock()
	return check("MPI_Barrier", C.zoo_barrier())
}

// Abort ends every rank with MPI_Abort. It does not return.
func (w *world) Abort(code int) {
	os.Stderr.Sync() //nolint:errcheck // best effort before the job dies
	C.zoo_abort(C.int(code))
	os.Exit(code) // MPI_Abort returned: end this rank at least
}

// chunks calls f on buf in pieces of at most maxCount elements.
func chunks[T dist.Float](buf []T, f func(p unsafe.Pointer, n C.int) C.int) C.int {
	for len(buf) > 0 {
		n := min(len(buf), maxCount)
		if rc := f(unsafe.Pointer(&buf[0]), C.int(n)); rc != C.MPI_SUCCESS {
			return rc
		}
		buf = buf[n:]
	}
	return C.MPI_SUCCESS
}

func allreduce[T dist.Float](buf []T, f64 C.int) error {
	mu.Lock()
	defer mu.Unlock()
	return check("MPI_Allreduce", chunks(buf, func(p unsafe.Pointer, n C.int) C.int {
		return C.zoo_allreduce(p, n, f64)
	}))
}

func bcast[T dist.Float](w *world, buf []T, f64 C.int, root int) error {
	if err := dist.CheckRoot(root, w.size); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	return check("MPI_Bcast", chunks(buf, func(p unsafe.Pointer, n C.int) C.int {
		return C.zoo_bcast(p, n, f64, C.int(root))
	}))
}
