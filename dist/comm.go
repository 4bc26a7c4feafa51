package dist

import "github.com/pkg/errors"

// A Comm is a group of Size ranks that run the same program and meet in
// collective calls. Every rank must make the same collective calls in the
// same order with buffers of the same length; a call returns once every
// rank has made it. Comm methods are called from one goroutine per rank.
type Comm interface {
	// Rank is this process's index in [0, Size).
	Rank() int
	// Size is the number of ranks.
	Size() int
	// AllreduceFloat32 replaces buf on every rank by the element-wise sum
	// of all ranks' buf.
	AllreduceFloat32(buf []float32) error
	// AllreduceFloat64 is AllreduceFloat32 for float64.
	AllreduceFloat64(buf []float64) error
	// BcastFloat32 copies root's buf into every other rank's buf.
	BcastFloat32(buf []float32, root int) error
	// BcastFloat64 is BcastFloat32 for float64.
	BcastFloat64(buf []float64, root int) error
	// Barrier returns once every rank has called it.
	Barrier() error
	// Abort ends every rank of the job with exit code code; use it when
	// one rank fails, so that the others do not wait for it forever. The
	// caller prints its error first: Abort adds no message.
	Abort(code int)
}

// Float is the element type of the buffers a Comm reduces.
type Float interface{ float32 | float64 }

// AllreduceSum replaces buf on every rank by the element-wise sum of all
// ranks' buf.
func AllreduceSum[T Float](c Comm, buf []T) error {
	switch b := any(buf).(type) {
	case []float32:
		return c.AllreduceFloat32(b)
	case []float64:
		return c.AllreduceFloat64(b)
	}
	return errors.Errorf("dist: AllreduceSum of %T", buf)
}

// AllreduceMean replaces buf on every rank by the element-wise mean of all
// ranks' buf: the sum, divided by Size on each rank.
func AllreduceMean[T Float](c Comm, buf []T) error {
	if err := AllreduceSum(c, buf); err != nil {
		return err
	}
	divide(buf, c.Size())
	return nil
}

// Bcast copies root's buf into every other rank's buf.
func Bcast[T Float](c Comm, buf []T, root int) error {
	switch b := any(buf).(type) {
	case []float32:
		return c.BcastFloat32(b, root)
	case []float64:
		return c.BcastFloat64(b, root)
	}
	return errors.Errorf("dist: Bcast of %T", buf)
}

// divide divides every element of buf by n (n > 1), the same way on
// every rank, so the ranks' results stay bit-identical.
func divide[T Float](buf []T, n int) {
	if n <= 1 {
		return
	}
	d := T(n)
	for i := range buf {
		buf[i] /= d
	}
}

// CheckRoot reports whether root is a rank of a group of size ranks.
func CheckRoot(root, size int) error {
	if root < 0 || root >= size {
		return errors.Errorf("dist: root %d is not a rank of %d", root, size)
	}
	return nil
}
