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
// forward kernel fills for its backward kernels.
type scratch[T float] struct {
	bufs [][]T
	kept []T
}

// get returns worker's buffer of exactly size elements (contents
// undefined). prepare must have been called with at least worker+1.
func (s *scratch[T]) get(worker, size int) []T {
	if cap(s.bufs[worker]) < size {
		s.bufs[worker] = make([]T, size)
	}
	return s.bufs[worker][:size]
}

// prepare makes room for w workers; call it before gemm.ParallelFor.
func (s *scratch[T]) prepare(w int) {
	for len(s.bufs) < w {
		s.bufs = append(s.bufs, nil)
	}
}
