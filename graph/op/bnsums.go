package op

// The per-channel reductions of batch norm, accumulated in float64 over
// four independent partial sums: one running sum is bound by the latency
// of a floating-point add (four cycles an element), four overlap.

// sum64 returns the sum of xs.
func sum64[T float](xs []T) float64 {
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
	return (s0 + s1) + (s2 + s3)
}

// sumSqDev returns the sum of (x - mean)² over xs.
func sumSqDev[T float](xs []T, mean float64) float64 {
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
	return (s0 + s1) + (s2 + s3)
}

// sumDyDev returns the sums of dy and of dy·(x - mean) over x and dy of
// one length.
func sumDyDev[T float](x, dy []T, mean float64) (sd, sdx float64) {
	dy = dy[:len(x)]
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
	return (s0 + s1) + (s2 + s3), (t0 + t1) + (t2 + t3)
}
