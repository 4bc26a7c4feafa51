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
