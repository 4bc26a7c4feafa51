// Package vec holds element-wise float32 slice kernels with an AVX2
// assembly path on amd64 (build tag purego turns it off) and a Go
// fallback: the inner loops of col2im and the residual Add, which Go
// compiles to one scalar add per element.
package vec

// addAsm is the assembly kernel where the CPU has AVX2, else nil.
var addAsm func(n int, dst, x, y *float32)

// Add sets dst[i] = x[i] + y[i] for i < len(dst); x and y must be at least
// as long. dst may be x or y itself, but must not overlap them otherwise.
func Add(dst, x, y []float32) {
	n := len(dst)
	if n == 0 {
		return
	}
	x, y = x[:n], y[:n]
	if addAsm != nil {
		addAsm(n, &dst[0], &x[0], &y[0])
		return
	}
	addGo(dst, x, y)
}

func addGo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i, v := range x {
		dst[i] = v + y[i]
	}
}
