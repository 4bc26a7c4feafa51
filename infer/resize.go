package infer

import "math"

// resampleBits is the fixed-point precision of Pillow's 8-bit resampling
// (PRECISION_BITS in libImaging/Resample.c: 32 - 8 - 2).
const resampleBits = 32 - 8 - 2

// A pixmap is an 8-bit image with c interleaved channels, row-major.
type pixmap struct {
	w, h, c int
	pix     []uint8
}

// resize returns src resized to w x h with Pillow's BILINEAR filter
// (Image.resize, libImaging/Resample.c): a triangle filter whose support
// grows with the downscale factor (antialiasing), applied separably,
// horizontal pass first, each pass in 22-bit fixed point rounded and
// clipped to uint8. This is what torchvision's Resize does to a PIL image,
// so the bytes match Pillow's exactly.
func resize(src pixmap, w, h int) pixmap {
	if src.w == w && src.h == h {
		return src
	}
	tmp := src
	if w != src.w {
		tmp = resamplePass(src, w, true)
	}
	if h != src.h {
		tmp = resamplePass(tmp, h, false)
	}
	return tmp
}

// coeffs are one output position's filter: the first input index and the
// fixed-point weights of the inputs from there.
type coeffs struct {
	min int
	k   []int32
}

// precompute is Pillow's precompute_coeffs plus normalize_coeffs_8bpc for
// the bilinear filter (support 1), mapping in inputs onto out outputs.
func precompute(in, out int) []coeffs {
	scale := float64(in) / float64(out)
	filterscale := math.Max(scale, 1)
	support := filterscale // bilinear support 1.0, scaled
	cs := make([]coeffs, out)
	ww := make([]float64, 0, int(math.Ceil(support))*2+1)
	for xx := range cs {
		center := (float64(xx) + 0.5) * scale
		ss := 1 / filterscale
		xmin := max(int(center-support+0.5), 0) // Go and C both truncate toward zero
		xmax := min(int(center+support+0.5), in) - xmin
		ww = ww[:0]
		sum := 0.0
		for x := range xmax {
			v := triangle((float64(x+xmin) - center + 0.5) * ss)
			ww = append(ww, v)
			sum += v
		}
		k := make([]int32, xmax)
		for x, v := range ww {
			if sum != 0 {
				v /= sum
			}
			if v < 0 {
				k[x] = int32(-0.5 + v*(1<<resampleBits))
			} else {
				k[x] = int32(0.5 + v*(1<<resampleBits))
			}
		}
		cs[xx] = coeffs{min: xmin, k: k}
	}
	return cs
}

func triangle(x float64) float64 {
	x = math.Abs(x)
	if x < 1 {
		return 1 - x
	}
	return 0
}

// resamplePass resizes src along one axis to n (width when horizontal).
func resamplePass(src pixmap, n int, horizontal bool) pixmap {
	dst := pixmap{w: src.w, h: src.h, c: src.c}
	in, stride := src.h, src.w*src.c // vertical: step one row
	if horizontal {
		dst.w, in, stride = n, src.w, src.c
	} else {
		dst.h = n
	}
	dst.pix = make([]uint8, dst.w*dst.h*dst.c)
	cs := precompute(in, n)
	for y := range dst.h {
		for x := range dst.w {
			var co coeffs
			var base int
			if horizontal {
				co, base = cs[x], y*src.w*src.c
			} else { // filter over rows, in column x
				co, base = cs[y], x*src.c
			}
			o := (y*dst.w + x) * dst.c
			for ch := range src.c {
				ss := int32(1) << (resampleBits - 1)
				p := base + co.min*stride + ch
				for _, k := range co.k {
					ss += int32(src.pix[p]) * k
					p += stride
				}
				dst.pix[o+ch] = clip8(ss)
			}
		}
	}
	return dst
}

// clip8 is Pillow's clip8: the fixed-point sum shifted down and clamped.
func clip8(v int32) uint8 {
	v >>= resampleBits
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}
