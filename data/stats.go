package data

import "math"

// MeanStd returns the per-channel mean and (population) standard deviation of ds, with
// pixels scaled to [0,1] as Item gives them: the values to put in LoaderConfig. For a
// *Set it counts pixel values, which is exact and fast; other datasets are read item by
// item.
func MeanStd(ds Dataset) (mean, std []float32) {
	c, h, w := ds.Dims()
	var sum, sumSq, count = make([]float64, c), make([]float64, c), float64(ds.Len() * h * w)
	if s, ok := ds.(*Set); ok {
		hist := make([][256]int64, c)
		for off, plane := 0, 0; off < len(s.Images); off, plane = off+h*w, plane+1 {
			hc := &hist[plane%c]
			for _, v := range s.Images[off : off+h*w] {
				hc[v]++
			}
		}
		for ch := range hist {
			for v, n := range hist[ch] {
				x := float64(v) / 255
				sum[ch] += float64(n) * x
				sumSq[ch] += float64(n) * x * x
			}
		}
	} else {
		x := make([]float32, c*h*w)
		for i := 0; i < ds.Len(); i++ {
			ds.Item(i, x)
			for j, v := range x {
				sum[j/(h*w)] += float64(v)
				sumSq[j/(h*w)] += float64(v) * float64(v)
			}
		}
	}
	mean, std = make([]float32, c), make([]float32, c)
	if count == 0 {
		return mean, std
	}
	for ch := range c {
		m := sum[ch] / count
		mean[ch] = float32(m)
		std[ch] = float32(math.Sqrt(max(0, sumSq[ch]/count-m*m)))
	}
	return mean, std
}
