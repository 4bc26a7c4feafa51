package vec

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// paths runs f with the Go code and, where this machine has it, the
// assembly.
func paths(t testing.TB, f func(name string)) {
	saved := asm
	defer func() { asm = saved }()
	asm = nil
	f("go")
	if saved != nil {
		asm = saved
		f("asm")
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// TestAdd: every length from 0 to 80 (each round and tail of the
// assembly), into a fresh slice, in place over x and over y, and nothing
// written past len(dst).
func TestAdd(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	paths(t, func(name string) {
		for n := 0; n <= 80; n++ {
			x, y := randSlice(rng, n+1), randSlice(rng, n+1)
			for _, mode := range []string{"fresh", "into x", "into y"} {
				xc, yc := append([]float32(nil), x...), append([]float32(nil), y...)
				dst := make([]float32, n+1)
				dst[n] = 7
				switch mode {
				case "into x":
					dst = xc
				case "into y":
					dst = yc
				}
				guard := dst[n]
				Add(dst[:n], xc, yc)
				for i := range n {
					if want := x[i] + y[i]; dst[i] != want {
						t.Fatalf("%s, n %d, %s: dst[%d] = %g, want %g", name, n, mode, i, dst[i], want)
					}
				}
				if dst[n] != guard {
					t.Fatalf("%s, n %d, %s: wrote past the end", name, n, mode)
				}
			}
		}
	})
}

// TestAddRows: rows and widths around the assembly's steps of 8, 4 and
// 1, pitches wider than the rows, against the definition; elements
// between the rows are left alone.
func TestAddRows(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	paths(t, func(name string) {
		for _, rows := range []int{0, 1, 3} {
			for width := 0; width <= 21; width++ {
				dp, sp := width+3, width+1
				n := rows*dp + 1
				dst, src := randSlice(rng, n), randSlice(rng, rows*sp+1)
				want := append([]float32(nil), dst...)
				for r := range rows {
					for c := range width {
						want[r*dp+c] += src[r*sp+c]
					}
				}
				AddRows(dst, dp, src, sp, rows, width)
				for i := range want {
					if dst[i] != want[i] {
						t.Fatalf("%s, %d rows of %d: dst[%d] = %g, want %g", name, rows, width, i, dst[i], want[i])
					}
				}
			}
		}
	})
}

// TestAffine: ScaleShift and LinComb for every length from 0 to 40, in
// float32 (one rounding of a fused multiply-add apart from the float64
// result at most) and float64, and nothing written past len(dst).
func TestAffine(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	const a, b, c, m = 1.5, -0.75, 0.25, 0.125
	paths(t, func(name string) {
		for n := 0; n <= 40; n++ {
			x, y := randSlice(rng, n+1), randSlice(rng, n+1)
			ss, ax := make([]float32, n+1), make([]float32, n+1)
			ss[n], ax[n] = 7, 7
			ScaleShift(ss[:n], x, a, b)
			LinComb(ax[:n], x, y, a, b, m, c)
			x64, y64 := make([]float64, n), make([]float64, n)
			for i := range n {
				x64[i], y64[i] = float64(x[i]), float64(y[i])
			}
			ss64, ax64 := make([]float64, n), make([]float64, n)
			ScaleShift(ss64, x64, a, b)
			LinComb(ax64, x64, y64, a, b, m, c)
			for i := range n {
				if w := a*x64[i] + b; ss64[i] != w || math.Abs(float64(ss[i])-w) > 1e-6*math.Max(1, math.Abs(w)) {
					t.Fatalf("%s, n %d: ScaleShift[%d] = %g (float64 %g), want %g", name, n, i, ss[i], ss64[i], w)
				}
				if w := a*x64[i] + b*(y64[i]-m) + c; ax64[i] != w || math.Abs(float64(ax[i])-w) > 1e-6*math.Max(1, math.Abs(w)) {
					t.Fatalf("%s, n %d: LinComb[%d] = %g (float64 %g), want %g", name, n, i, ax[i], ax64[i], w)
				}
			}
			if ss[n] != 7 || ax[n] != 7 {
				t.Fatalf("%s, n %d: wrote past the end", name, n)
			}
		}
	})
}

// TestSums: the reductions equal one running float64 sum (within float64
// rounding) for every length from 0 to 40, and read nothing past len(x)
// (a huge value there would show).
func TestSums(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
	const mean = 0.3
	paths(t, func(name string) {
		for n := 0; n <= 40; n++ {
			x, dy := randSlice(rng, n+1), randSlice(rng, n+1)
			x[n], dy[n] = 1e30, 1e30
			var s, sq, sd, sdx float64
			for i := range n {
				v := float64(x[i])
				s += v
				sq += (v - mean) * (v - mean)
				sd += float64(dy[i])
				sdx += float64(dy[i]) * (v - mean)
			}
			gsd, gsdx := SumDyDev(x[:n], dy, mean)
			if got := Sum(x[:n]); !near(got, s) {
				t.Errorf("%s, n %d: Sum %g, want %g", name, n, got, s)
			}
			if got := SumSqDev(x[:n], mean); !near(got, sq) {
				t.Errorf("%s, n %d: SumSqDev %g, want %g", name, n, got, sq)
			}
			if !near(gsd, sd) || !near(gsdx, sdx) {
				t.Errorf("%s, n %d: SumDyDev %g, %g, want %g, %g", name, n, gsd, gsdx, sd, sdx)
			}
		}
	})
}

func BenchmarkKernels(b *testing.B) {
	const n = 1024 // one ResNet-20 channel plane, in L1
	rng := rand.New(rand.NewSource(4))
	x, y, dst := randSlice(rng, n), randSlice(rng, n), make([]float32, n)
	var sink float64
	paths(b, func(name string) {
		for _, k := range []struct {
			op string
			f  func()
		}{
			{"Add", func() { Add(dst, x, y) }},
			{"ScaleShift", func() { ScaleShift(dst, x, 2, 1) }},
			{"LinComb", func() { LinComb(dst, x, y, 2, 3, 0.5, 1) }},
			{"Sum", func() { sink += Sum(x) }},
			{"SumSqDev", func() { sink += SumSqDev(x, 0.5) }},
			{"SumDyDev", func() { a, c := SumDyDev(x, y, 0.5); sink += a + c }},
		} {
			b.Run(fmt.Sprintf("%s/%s", k.op, name), func(b *testing.B) {
				for b.Loop() {
					k.f()
				}
			})
		}
	})
	_ = sink
}

// poolRows returns the row pair of a 2×2 pooling test trial: ow = trial
// mod 41 windows, rows w = 2·ow to 2·ow+2 wide (wider than the
// windows), of small integers (ties), special values (signed zeros,
// NaNs, infinities) or normal ones by turns.
func poolRows(rng *rand.Rand, trial int) (ow, w int, top, bot []float32) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	// 5.125's low mantissa bits: Go's max mixes them into a NaN's payload.
	special := []float32{0, float32(math.Copysign(0, -1)), 1, 2, -1, 5.125, nan, inf, -inf}
	ow = trial % 41
	w = 2*ow + trial%3
	top, bot = make([]float32, w), make([]float32, w)
	for i := range top {
		switch trial % 3 {
		case 0:
			top[i], bot[i] = float32(rng.Intn(3)), float32(rng.Intn(3))
		case 1:
			top[i], bot[i] = special[rng.Intn(len(special))], special[rng.Intn(len(special))]
		default:
			top[i], bot[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
	}
	return ow, w, top, bot
}

// TestMaxPool2x2: the assembly against the scalar definition (first
// maximum, last NaN) on ties (values in {0, 1, 2}), signed zeros, NaNs
// and infinities, for rows of 0 to 40 windows; it does every window of
// a row of at least 8 (the last eight twice) and writes nothing past
// them.
func TestMaxPool2x2(t *testing.T) {
	if asm == nil {
		t.Skip("no assembly on this machine (the Go reference in graph/op covers the rest)")
	}
	rng := rand.New(rand.NewSource(6))
	for trial := range 200 {
		ow, w, top, bot := poolRows(rng, trial)
		out, idx := make([]float32, ow+1), make([]int32, ow+1)
		out[ow], idx[ow] = 7, 7
		base := 1000 * trial
		n := MaxPool2x2(out[:ow], idx[:ow], top, bot, base, w)
		if want := map[bool]int{true: ow, false: 0}[ow >= 8]; n != want {
			t.Fatalf("trial %d: did %d of %d windows, want %d", trial, n, ow, want)
		}
		for j := range n {
			vals := []float32{top[2*j], top[2*j+1], bot[2*j], bot[2*j+1]}
			offs := []int{2 * j, 2*j + 1, w + 2*j, w + 2*j + 1}
			best, bi := vals[0], offs[0]
			for k := 1; k < 4; k++ {
				if v := vals[k]; v > best || v != v {
					best, bi = v, offs[k]
				}
			}
			same := out[j] == best || (out[j] != out[j] && best != best)
			if !same || math.Signbit(float64(out[j])) != math.Signbit(float64(best)) || int(idx[j]) != base+bi {
				t.Fatalf("trial %d, window %d of %v: got %v at %d, want %v at %d", trial, j, vals, out[j], idx[j], best, base+bi)
			}
		}
		for j := n; j <= ow; j++ {
			if want := map[bool]float32{true: 7, false: 0}[j == ow]; out[j] != want {
				t.Fatalf("trial %d: wrote window %d past the %d it did", trial, j, n)
			}
		}
	}
}

// TestMaxPool: the assembly against the scalar definition (first
// maximum in row-major order, last NaN) for windows of 1 to 3 rows and
// columns, strides 1 and 2 (3 is left to the caller), on ties, signed
// zeros, NaNs and infinities, for runs of 0 to 40 windows in an x that
// ends right after the last window (the stride-2 load must not pass it);
// it writes nothing past the windows it reports.
func TestMaxPool(t *testing.T) {
	if asm == nil {
		t.Skip("no assembly on this machine (the Go reference in graph/op covers the rest)")
	}
	rng := rand.New(rand.NewSource(7))
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, 2, -1, nan, inf, -inf}
	for trial := range 600 {
		m, kh, kw, s := trial%41, 1+rng.Intn(3), 1+rng.Intn(3), 1+trial%3
		k0 := rng.Intn(3)
		w := k0 + s*max(m-1, 0) + kw + rng.Intn(3) // rows may be wider than the windows
		x := make([]float32, k0+(kh-1)*w+s*max(m-1, 0)+kw)
		for i := range x {
			switch trial % 4 {
			case 0:
				x[i] = float32(rng.Intn(3))
			case 1:
				x[i] = special[rng.Intn(len(special))]
			default:
				x[i] = float32(rng.NormFloat64())
			}
		}
		out, idx := make([]float32, m+1), make([]int32, m+1)
		out[m], idx[m] = 7, 7
		base := 1000 * trial
		n := MaxPool(out[:m], idx[:m], x, k0, w, kh, kw, s, base)
		want := 0
		if s == 2 && m > 8 {
			want = m - 1 // the last window's load would pass the end of x
		} else if s == 1 && m >= 8 {
			want = m
		}
		if n != want {
			t.Fatalf("trial %d (m %d, %dx%d stride %d): did %d windows, want %d", trial, m, kh, kw, s, n, want)
		}
		for j := range n {
			start := k0 + s*j
			best, bi := x[start], start
			for r := range kh {
				for c := range kw {
					if o := start + r*w + c; x[o] > best || x[o] != x[o] {
						best, bi = x[o], o
					}
				}
			}
			same := math.Float32bits(out[j]) == math.Float32bits(best)
			if !same || int(idx[j]) != base+bi {
				t.Fatalf("trial %d (%dx%d stride %d), window %d: got %v at %d, want %v at %d", trial, kh, kw, s, j, out[j], idx[j], best, base+bi)
			}
		}
		for j := n; j < m; j++ {
			if out[j] != 0 || idx[j] != 0 {
				t.Fatalf("trial %d: wrote window %d past the %d it did", trial, j, n)
			}
		}
		if out[m] != 7 || idx[m] != 7 {
			t.Fatalf("trial %d: wrote past the %d windows", trial, m)
		}
	}
}

// TestReLU: both paths give Go's max(x, 0) and the masked gradient to the
// bit, on signed zeros, NaNs of both signs, infinities, denormals and
// random values, for lengths 0 to 40.
func TestReLU(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), -float32(math.NaN()),
		float32(math.Inf(1)), float32(math.Inf(-1)), 1e-45, -1e-45, 1, -1}
	paths(t, func(name string) {
		for n := 0; n <= 40; n++ {
			x, dy := randSlice(rng, n), randSlice(rng, n)
			for i := range x {
				if rng.Intn(2) == 0 {
					x[i] = special[rng.Intn(len(special))]
				}
			}
			y, dx := make([]float32, n), make([]float32, n)
			ReLU(y, x)
			ReLUGrad32(dx, x, dy)
			for i, v := range x {
				want := max(v, 0)
				if math.Float32bits(y[i]) != math.Float32bits(want) {
					t.Fatalf("%s, n %d: relu(%v) = %v (bits %x), want %v (bits %x)", name, n, v, y[i], math.Float32bits(y[i]), want, math.Float32bits(want))
				}
				var g float32
				if b := int32(math.Float32bits(v)); b > 0 {
					g = dy[i]
				}
				if math.Float32bits(dx[i]) != math.Float32bits(g) {
					t.Fatalf("%s, n %d: relu'(%v)·%v = %v, want %v", name, n, v, dy[i], dx[i], g)
				}
			}
		}
	})
}

// goMax is Go's max of v, 0x7fc00000 where it is a NaN (Go's max on
// amd64 returns a NaN whose payload holds the other values' mantissa
// bits; the kernels return that one).
func goMax(v ...float32) float32 {
	m := v[0]
	for _, u := range v[1:] {
		m = max(m, u)
	}
	if m != m {
		return math.Float32frombits(0x7fc00000)
	}
	return m
}

// TestMaxPool2x2Values: the assembly against Go's max, to the bit, on
// ties, signed zeros, NaNs and infinities, for rows of 0 to 40 windows
// (with a remainder past the last eight and rows wider than the
// windows); it writes nothing past the windows it reports.
func TestMaxPool2x2Values(t *testing.T) {
	if asm == nil {
		t.Skip("no assembly on this machine (the Go reference in graph/op covers the rest)")
	}
	rng := rand.New(rand.NewSource(8))
	for trial := range 200 {
		ow, _, top, bot := poolRows(rng, trial)
		out := make([]float32, ow+1)
		out[ow] = 7
		n := MaxPool2x2Values(out[:ow], top, bot)
		if want := map[bool]int{true: ow, false: 0}[ow >= 8]; n != want {
			t.Fatalf("trial %d: did %d of %d windows, want %d", trial, n, ow, want)
		}
		for j := range n {
			want := goMax(top[2*j], top[2*j+1], bot[2*j], bot[2*j+1])
			if math.Float32bits(out[j]) != math.Float32bits(want) {
				t.Fatalf("trial %d, window %d of %v %v: got %v (%#x), want %v (%#x)", trial, j,
					top[2*j:2*j+2], bot[2*j:2*j+2], out[j], math.Float32bits(out[j]), want, math.Float32bits(want))
			}
		}
		if out[ow] != 7 {
			t.Fatalf("trial %d: wrote past the %d windows", trial, ow)
		}
	}
}

// TestMaxRowPairs: the assembly against Go's max, to the bit, on ties,
// signed zeros, NaNs and infinities, for rows of 0 to 30 values (below
// 8: not done) in 1 to 3 row pairs; it writes nothing past dst's rows.
func TestMaxRowPairs(t *testing.T) {
	if asm == nil {
		t.Skip("no assembly on this machine (the Go reference in graph/op covers the rest)")
	}
	rng := rand.New(rand.NewSource(9))
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, 2, -1, 5.125, nan, inf, -inf}
	for trial := range 200 {
		w, rows := trial%31, 1+trial%3
		x := make([]float32, 2*rows*w)
		for i := range x {
			if trial%2 == 0 {
				x[i] = special[rng.Intn(len(special))]
			} else {
				x[i] = float32(rng.NormFloat64())
			}
		}
		dst := make([]float32, rows*w+1)
		dst[rows*w] = 7
		done := MaxRowPairs(dst[:rows*w], x, w, rows)
		if done != (w >= 8) {
			t.Fatalf("trial %d: rows of %d: done %t", trial, w, done)
		}
		for r := 0; done && r < rows; r++ {
			for j := range w {
				want := goMax(x[2*r*w+j], x[(2*r+1)*w+j])
				if got := dst[r*w+j]; math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("trial %d, row %d, column %d: got %v (%#x), want %v (%#x)", trial, r, j, got, math.Float32bits(got), want, math.Float32bits(want))
				}
			}
		}
		if dst[rows*w] != 7 {
			t.Fatalf("trial %d: wrote past the rows", trial)
		}
	}
}
