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
