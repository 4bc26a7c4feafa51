package vec

// The reductions of batch norm, accumulated in float64. The Go code keeps
// four independent partial sums (one running sum is bound by the latency
// of an add, four cycles an element); the float32 assembly keeps sixteen
// lanes.

// Sum returns the sum of xs.
func Sum[T Float](xs []T) float64 {
	s := 0.0
	if x, ok := any(xs).([]float32); ok && asm != nil && len(x) >= block {
		n := len(x) &^ (block - 1)
		s, xs = asm.sum(n, &x[0]), xs[n:]
	}
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(xs); i += 4 {
		v := xs[i : i+4 : i+4]
		s0 += float64(v[0])
		s1 += float64(v[1])
		s2 += float64(v[2])
		s3 += float64(v[3])
	}
	for _, v := range xs[i:] {
		s0 += float64(v)
	}
	return s + (s0 + s1) + (s2 + s3)
}

// SumSqDev returns the sum of (x - mean)² over xs.
func SumSqDev[T Float](xs []T, mean float64) float64 {
	s := 0.0
	if x, ok := any(xs).([]float32); ok && asm != nil && len(x) >= block {
		n := len(x) &^ (block - 1)
		s, xs = asm.sumSqDev(n, &x[0], mean), xs[n:]
	}
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(xs); i += 4 {
		v := xs[i : i+4 : i+4]
		d0, d1, d2, d3 := float64(v[0])-mean, float64(v[1])-mean, float64(v[2])-mean, float64(v[3])-mean
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for _, v := range xs[i:] {
		d := float64(v) - mean
		s0 += d * d
	}
	return s + (s0 + s1) + (s2 + s3)
}

// SumDyDev returns the sums of dy and of dy·(x - mean) over x and dy of
// one length (dy may be longer).
func SumDyDev[T Float](x, dy []T, mean float64) (sd, sdx float64) {
	dy = dy[:len(x)]
	if x32, ok := any(x).([]float32); ok && asm != nil && len(x) >= block {
		n := len(x) &^ (block - 1)
		sd, sdx = asm.sumDyDev(n, &x32[0], &any(dy).([]float32)[0], mean)
		x, dy = x[n:], dy[n:]
	}
	var s0, s1, s2, s3, t0, t1, t2, t3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v, d := x[i:i+4:i+4], dy[i:i+4:i+4]
		d0, d1, d2, d3 := float64(d[0]), float64(d[1]), float64(d[2]), float64(d[3])
		s0 += d0
		s1 += d1
		s2 += d2
		s3 += d3
		t0 += d0 * (float64(v[0]) - mean)
		t1 += d1 * (float64(v[1]) - mean)
		t2 += d2 * (float64(v[2]) - mean)
		t3 += d3 * (float64(v[3]) - mean)
	}
	for j, v := range x[i:] {
		d := float64(dy[i+j])
		s0 += d
		t0 += d * (float64(v) - mean)
	}
	return sd + (s0 + s1) + (s2 + s3), sdx + (t0 + t1) + (t2 + t3)
}
