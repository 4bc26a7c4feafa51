package vec

// pairOffsets are the offsets in a row of the first element of windows
// 0 to 7 of a 2×2, stride-2 pooling.
var pairOffsets = [8]int32{0, 2, 4, 6, 8, 10, 12, 14}

// MaxPool2x2 pools the leading windows of one row pair of a 2×2,
// stride-2 max pooling: for window j, out[j] is the first maximum of
// top[2j], top[2j+1], bot[2j], bot[2j+1] (the last NaN if any is NaN, as
// PyTorch) and idx[j] = base + the offset of that value from top[0],
// with bot[0] at offset w. It returns how many windows it did: all of
// them from 8 on, none below 8 or without the assembly; the caller pools
// the rest. top and bot must hold 2·len(out) values, idx
// len(out).
func MaxPool2x2(out []float32, idx []int32, top, bot []float32, base, w int) int {
	n := len(out) &^ 7
	if asm == nil || n == 0 {
		return 0
	}
	m := len(out)
	_, _, _ = idx[m-1], top[2*m-1], bot[2*m-1] // bounds
	asm.maxPool2x2(n, &top[0], &bot[0], &out[0], &idx[0], &pairOffsets[0], int32(base), int32(w))
	if s := m - 8; n < m {
		// The last eight windows again, overlapping the ones done:
		// rewriting a window writes the same value and index.
		asm.maxPool2x2(8, &top[2*s], &bot[2*s], &out[s], &idx[s], &pairOffsets[0], int32(base+2*s), int32(w))
	}
	return m
}

// MaxPool2x2Values is MaxPool2x2 without the indices: out[j] =
// max(top[2j], top[2j+1], bot[2j], bot[2j+1]) as Go's max computes it
// (+0 of -0 and +0), the NaN 0x7fc00000 if any is NaN (Go's max returns
// a NaN whose payload may hold the other values' bits). It returns how many
// windows it did: all of them from 8 on, none below 8 or without the
// assembly; the caller pools the rest. top and bot must hold 2·len(out)
// values.
func MaxPool2x2Values(out, top, bot []float32) int {
	n := len(out) &^ 7
	if asm == nil || n == 0 {
		return 0
	}
	m := len(out)
	_, _ = top[2*m-1], bot[2*m-1] // bounds
	asm.maxPool2x2Values(n, &top[0], &bot[0], &out[0])
	if s := m - 8; n < m {
		// The last eight windows again, overlapping the ones done.
		asm.maxPool2x2Values(8, &top[2*s], &bot[2*s], &out[s])
	}
	return m
}

// MaxRowPairs sets dst[r·w+j] = max(x[2r·w+j], x[(2r+1)·w+j]) as Go's
// max (a NaN as 0x7fc00000, as MaxPool2x2Values) for r < rows and j < w: the rows' half of a 2×2 max pooling, whose
// other half is then MaxPool2x2Values(out, dst, dst) over the whole of
// dst where w is even (pairs of consecutive values, never across rows).
// It reports whether it did: not for w under 8 or without the assembly.
func MaxRowPairs(dst, x []float32, w, rows int) bool {
	if asm == nil || w < 8 || rows < 1 {
		return false
	}
	_, _ = dst[rows*w-1], x[2*rows*w-1] // bounds
	asm.maxRowPairs(rows, w, &x[0], &dst[0])
	return true
}

// laneOffsets are the offsets in a row of the first element of windows
// 0 to 7 of a stride-1 pooling.
var laneOffsets = [8]int32{0, 1, 2, 3, 4, 5, 6, 7}

// MaxPool pools a run of windows of one output row of a kh×kw max
// pooling with column stride s: window j covers x[k0 + s·j + r·w + c]
// for r < kh, c < kw (rows w apart); out[j] is the first maximum of the
// window in row-major order (the last NaN if any is NaN, as PyTorch) and
// idx[j] = base + the offset of that value in x. Every window must lie
// in x. It returns how many windows it did: all of them from 8 on with s
// 1 or 2, none otherwise or without the assembly (or, for s 2, the last
// window where its eight-wide load would pass the end of x); the caller
// pools the rest.
func MaxPool(out []float32, idx []int32, x []float32, k0, w, kh, kw, s, base int) int {
	m := len(out)
	if asm == nil || m < 8 || kh < 1 || kw < 1 || (s != 1 && s != 2) {
		return 0
	}
	offs := &laneOffsets
	if s == 2 {
		offs = &pairOffsets
	}
	// The last round reads 8s values from the start of each candidate
	// of windows m-8 to m-1; for s 2 the last value is past the last
	// window.
	if k0+s*(m-8)+(kh-1)*w+kw-1+8*s-1 >= len(x) {
		m--
		if m < 8 {
			return 0
		}
	}
	_, _ = idx[m-1], x[k0+s*(m-8)+(kh-1)*w+kw-1+8*s-1] // bounds
	n := m &^ 7
	asm.maxPool(n, &x[k0], &out[0], &idx[0], &offs[0], int32(base+k0), w, kh, kw, s)
	if t := m - 8; n < m {
		// The last eight windows again, overlapping the ones done:
		// rewriting a window writes the same value and index.
		asm.maxPool(8, &x[k0+s*t], &out[t], &idx[t], &offs[0], int32(base+k0+s*t), w, kh, kw, s)
	}
	return m
}
