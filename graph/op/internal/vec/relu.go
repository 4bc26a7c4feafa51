package vec

import "math"

// ReLU sets dst[i] = max(x[i], 0) for i < len(dst), to the bit as Go's
// max (the float32 assembly too): a NaN becomes Go's NaN and -0 becomes
// +0. dst may be x.
func ReLU[T Float](dst, x []T) {
	x = x[:len(dst)]
	i := 0
	if d, ok := any(dst).([]float32); ok && asm != nil && len(d) >= block {
		i = len(d) &^ (block - 1)
		asm.relu(i, &d[0], &any(x).([]float32)[0])
	}
	for j, v := range x[i:] {
		dst[i+j] = max(v, 0)
	}
}

// ReLUGrad32 sets dst[i] = dy[i] where the bits of x[i], read as an
// int32, are positive (x > 0, or a NaN with its sign bit clear), else +0,
// for i < len(dst): ReLU's gradient without a branch. dst may be x or dy.
func ReLUGrad32(dst, x, dy []float32) {
	x, dy = x[:len(dst)], dy[:len(dst)]
	i := 0
	if asm != nil && len(dst) >= block {
		i = len(dst) &^ (block - 1)
		asm.reluGrad(i, &dst[0], &x[0], &dy[0])
	}
	for j, v := range x[i:] {
		b := int32(math.Float32bits(v))
		m := uint32(^((b - 1) >> 31) & ^(b >> 31))
		dst[i+j] = math.Float32frombits(math.Float32bits(dy[i+j]) & m)
	}
}
