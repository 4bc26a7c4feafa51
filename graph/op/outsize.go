package op

// OutSize is the number of positions of a window along one axis, the
// rule of PyTorch's convolution and pooling layers: in inputs, a window of
// k taps dilation apart (0 means 1), moved by stride (0 means 1) over the
// input padded by pad on each side. With ceil, a last partial window
// counts too, as long as it starts inside the input or its left padding
// (PyTorch's ceil_mode). It is 0 when the window is larger than the padded
// input.
func OutSize(in, k, stride, pad, dilation int, ceil bool) int {
	s := orOne(stride)
	num := in + 2*pad - orOne(dilation)*(k-1) - 1
	if num < 0 {
		return 0
	}
	if !ceil {
		return num/s + 1
	}
	o := (num+s-1)/s + 1
	if (o-1)*s >= in+pad { // the last window would start in the right padding
		o--
	}
	return o
}

// orOne is v, or 1 for 0: a stride or dilation left at its zero value.
func orOne(v int) int {
	if v == 0 {
		return 1
	}
	return v
}
