// Package vec holds the element-wise kernels and per-channel reductions
// of graph/op (col2im's row additions, the residual Add, batch norm,
// ReLU, 2×2 and k×k max pooling), generic over float32 and float64 (ReLU's
// gradient and max pooling: float32 only). On amd64 with AVX2 and FMA
// the float32 cases run assembly (vec_amd64.s; build tag purego turns it
// off), eight lanes at a time, where Go compiles one scalar operation an
// element. Reductions accumulate in float64 either way.
package vec

// Float is the element type of every kernel.
type Float interface{ ~float32 | ~float64 }

// kernels are the float32 assembly kernels: n > 0 elements (windows for
// maxPool2x2 and maxPool), a multiple of block for all but add and addRows (rows,
// width > 0: any).
type kernels struct {
	add        func(n int, dst, x, y *float32)
	addRows    func(rows, width int, dst *float32, dpitch int, src *float32, spitch int)
	maxPool2x2 func(n int, top, bot, out *float32, idx *int32, offs *int32, base, w int32)
	// maxPool2x2Values: maxPool2x2 without the indices.
	maxPool2x2Values func(n int, top, bot, out *float32)
	// maxRowPairs: rows >= 1, w >= 8.
	maxRowPairs func(rows, w int, x, dst *float32)
	maxPool     func(n int, x, out *float32, idx *int32, offs *int32, base int32, w, kh, kw, s int)
	relu        func(n int, dst, x *float32)
	reluGrad    func(n int, dst, x, dy *float32)
	scaleShift  func(n int, dst, x *float32, a, b float32)
	linComb     func(n int, dst, x, y *float32, a, b, m, c float32)
	sum         func(n int, x *float32) float64
	sumSqDev    func(n int, x *float32, mean float64) float64
	sumDyDev    func(n int, x, dy *float32, mean float64) (sd, sdx float64)
}

// asm holds the kernels where this machine has them, else nil; tests set
// it to nil to check the Go code on every machine.
var asm *kernels

// block is the number of elements the assembly reductions and affine
// kernels take a round; the Go code does the rest.
const block = 8

// Add sets dst[i] = x[i] + y[i] for i < len(dst); x and y must be at
// least as long. dst may be x or y itself, but must not overlap them
// otherwise.
func Add[T Float](dst, x, y []T) {
	n := len(dst)
	if n == 0 {
		return
	}
	x, y = x[:n], y[:n]
	if d, ok := any(dst).([]float32); ok && asm != nil {
		asm.add(n, &d[0], &any(x).([]float32)[0], &any(y).([]float32)[0])
		return
	}
	for i, v := range x {
		dst[i] = v + y[i]
	}
}

// AddRows adds rows of src to rows of dst: dst[r·dpitch+t] +=
// src[r·spitch+t] for r < rows and t < width (col2im adding one kernel
// tap's columns to the rows of the input plane). Rows of dst must not
// overlap each other or src. It panics, as slicing would, where dst or
// src is too short.
func AddRows[T Float](dst []T, dpitch int, src []T, spitch, rows, width int) {
	if rows <= 0 || width <= 0 {
		return
	}
	_, _ = dst[(rows-1)*dpitch+width-1], src[(rows-1)*spitch+width-1] // bounds
	if d, ok := any(dst).([]float32); ok && asm != nil {
		asm.addRows(rows, width, &d[0], dpitch, &any(src).([]float32)[0], spitch)
		return
	}
	for r := range rows {
		d, s := dst[r*dpitch:][:width], src[r*spitch:][:width]
		for t, v := range s {
			d[t] += v
		}
	}
}

// ScaleShift sets dst[i] = a·x[i] + b for i < len(dst) (one fused
// multiply-add in the float32 assembly); dst may be x.
func ScaleShift[T Float](dst, x []T, a, b T) {
	x = x[:len(dst)]
	i := 0
	if d, ok := any(dst).([]float32); ok && asm != nil && len(d) >= block {
		i = len(d) &^ (block - 1)
		asm.scaleShift(i, &d[0], &any(x).([]float32)[0], float32(a), float32(b))
	}
	for j, v := range x[i:] {
		dst[i+j] = v*a + b
	}
}

// LinComb sets dst[i] = a·x[i] + b·(y[i] - m) + c for i < len(dst); dst
// may be x or y. (Batch norm's dx, with y the input and m its mean:
// subtracting m first keeps the precision of y's deviations.)
func LinComb[T Float](dst, x, y []T, a, b, m, c T) {
	x, y = x[:len(dst)], y[:len(dst)]
	i := 0
	if d, ok := any(dst).([]float32); ok && asm != nil && len(d) >= block {
		i = len(d) &^ (block - 1)
		asm.linComb(i, &d[0], &any(x).([]float32)[0], &any(y).([]float32)[0], float32(a), float32(b), float32(m), float32(c))
	}
	for j, v := range x[i:] {
		dst[i+j] = a*v + b*(y[i+j]-m) + c
	}
}
