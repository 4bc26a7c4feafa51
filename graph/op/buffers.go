package op

import "gorgonia.org/tensor"

// elems returns the backing slice of d as []T without allocating (unlike
// Dense.Data); d holds T (the caller dispatched on its dtype). A tensor
// of shape () has one element.
func elems[T float](d *tensor.Dense) []T {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(d.Float32s()).([]T)
	}
	return any(d.Float64s()).([]T)
}

// grow returns b resized to n elements, reusing its storage if it can.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// scratch holds one growable buffer per worker, and kept, a buffer a
// forward kernel fills for its backward kernels. The worker buffers are
// the kernel's own, or, once a buffer plan shares them (pool set), those
// of every kernel of its graph: a buffer is only used within one call.
type scratch[T float] struct {
	own  [][]T
	pool *[][]T
	kept []T
}

// bufs is the worker buffers in use.
func (s *scratch[T]) bufs() *[][]T {
	if s.pool != nil {
		return s.pool
	}
	return &s.own
}

// get returns worker's buffer of exactly size elements (contents
// undefined). prepare must have been called with at least worker+1.
func (s *scratch[T]) get(worker, size int) []T {
	b := *s.bufs()
	if cap(b[worker]) < size {
		b[worker] = make([]T, size)
	}
	return b[worker][:size]
}

// prepare makes room for w workers; call it before gemm.ParallelFor.
func (s *scratch[T]) prepare(w int) {
	b := s.bufs()
	for len(*b) < w {
		*b = append(*b, nil)
	}
}
