package gemm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
)

// kernels returns the micro-kernels to test: the Go one always, the
// assembly one where this CPU runs it.
func kernels() map[string]gemmKernels {
	ks := map[string]gemmKernels{"go": goKernels}
	if asmKernels != nil {
		ks["asm"] = *asmKernels
	}
	return ks
}

// naiveSgemm is C = op(A)·op(B) + beta·C in float64, and for each element
// the sum of the magnitudes of its terms (the scale of its rounding error).
func naiveSgemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, scale []float64) {
	want, scale = make([]float64, m*n), make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s, abs float64
			if beta != 0 {
				s = float64(beta) * float64(c[i*ldc+j])
				abs = math.Abs(s)
			}
			for p := range k {
				ai, bi := i*lda+p, p*ldb+j
				if tA {
					ai = p*lda + i
				}
				if tB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += float64(av) * float64(bv)
				abs += math.Abs(float64(av) * float64(bv))
			}
			want[i*n+j], scale[i*n+j] = s, abs
		}
	}
	return want, scale
}

// TestSgemm: the blocked GEMM with each set of kernels agrees with a
// float64 product for every transpose, for sizes on and off the tiles
// (6×16 and its edge kernels, 4×3) and block edges, B packed panel by
// panel and by blocks, with padded strides, beta 0 (C full of NaN, which must not leak), 1 and 0.5, and
// k = 0.
func TestSgemm(t *testing.T) {
	type size struct{ m, n, k int }
	// m ≤ blockM packs B panel by panel, a larger m by blocks; A·Bᵀ
	// takes the dot kernel for m ≤ dotM and k ≥ dotMinK: whole tiles
	// (8×6), in two passes over k (1032), and edge tiles (13×33×257).
	// m = 16, 32, 11 and blockM+16 end on a 4-, 2-, 5- and 4-row tile,
	// n = 24, 28 and 40 on 8, 12 and 8 columns (the 6×8 kernel writes
	// C itself for 8), k = 6 and 7 leave 2 and 3 past the kernels'
	// groups of four steps.
	sizes := []size{{1, 1, 1}, {6, 16, 1}, {5, 15, 3}, {7, 17, 0}, {13, 33, 257}, {9, 131, 40}, {directM + 6, 35, 20},
		{16, 24, 37}, {32, 28, 6}, {11, 40, 7}, {blockM + 16, 21, 9},
		{2 * dr, 2 * dc, dotMinK}, {2 * dr, 2 * dc, dotK + 8}}
	if !testing.Short() {
		sizes = append(sizes, size{97, 40, 300}, size{12, 2050, 7}, size{200, 70, 520})
	}
	rng := rand.New(rand.NewSource(11))
	fill := func(n int) []float32 { return normals(rng, n) }
	for name, kern := range kernels() {
		for _, s := range sizes {
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, beta := range []float32{0, 1, 0.5} {
						rowsA, colsA := s.m, s.k
						if tA {
							rowsA, colsA = s.k, s.m
						}
						rowsB, colsB := s.k, s.n
						if tB {
							rowsB, colsB = s.n, s.k
						}
						lda, ldb, ldc := colsA+3, colsB+1, s.n+5
						a, b := fill(max(1, rowsA*lda)), fill(max(1, rowsB*ldb))
						c := fill(s.m * ldc)
						if beta == 0 {
							for i := range c {
								c[i] = float32(math.NaN())
							}
						}
						want, scale := naiveSgemm(tA, tB, s.m, s.n, s.k, a, lda, b, ldb, beta, c, ldc)
						sgemm(kern, tA, tB, s.m, s.n, s.k, a, lda, b, ldb, beta, c, ldc)
						for i := range s.m {
							for j := range s.n {
								got, w := float64(c[i*ldc+j]), want[i*s.n+j]
								if tol := 1e-6 * (scale[i*s.n+j] + 1); !(math.Abs(got-w) <= tol) {
									t.Fatalf("%s kernel, m=%d n=%d k=%d tA=%t tB=%t beta=%g: C[%d,%d] = %g, want %g (tol %.2g)",
										name, s.m, s.n, s.k, tA, tB, beta, i, j, got, w, tol)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestSgemmKeepsPadding: the columns between n and ldc, which the
// kernels' callers use for other data, are never written.
func TestSgemmKeepsPadding(t *testing.T) {
	const m, n, k, ldc = 13, 21, 9, 40
	for name, kern := range kernels() {
		a, b := make([]float32, m*k), make([]float32, k*n)
		for i := range a {
			a[i] = 1
		}
		for i := range b {
			b[i] = 1
		}
		c := make([]float32, (m-1)*ldc+n)
		for i := range c {
			c[i] = -7
		}
		sgemm(kern, false, false, m, n, k, a, k, b, n, 0, c, ldc)
		for i, v := range c {
			want := float32(k)
			if i%ldc >= n {
				want = -7
			}
			if v != want {
				t.Fatalf("%s kernel: c[%d] (row %d, column %d) = %g, want %g", name, i, i/ldc, i%ldc, v, want)
			}
		}
	}
}

// BenchmarkSgemm compares gonum's Sgemm with the blocked GEMM on shapes
// the zoo's convolutions run (M = output channels, N = output pixels,
// K = input channels × kernel area), one thread.
// go test ./graph/op -run - -bench Sgemm
func BenchmarkSgemm(b *testing.B) {
	shapes := []struct {
		name    string
		m, n, k int
	}{
		{"lenet_conv2", 16, 100, 150},
		{"resnet20_3x3", 16, 1024, 144},
		{"vgg_conv3_3", 256, 3136, 2304},
		{"resnet50_3x3", 128, 784, 1152},
		{"resnet_fc_512", 64, 1000, 512},
	}
	for _, s := range shapes {
		rng := rand.New(rand.NewSource(1))
		a, bm, c := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
		for i := range a {
			a[i] = rng.Float32()
		}
		for i := range bm {
			bm[i] = rng.Float32()
		}
		flops := 2 * float64(s.m*s.n*s.k)
		run := func(name string, f func()) {
			b.Run(fmt.Sprintf("%s/%s", s.name, name), func(b *testing.B) {
				for b.Loop() {
					f()
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		run("gonum", func() {
			gonum.Implementation{}.Sgemm(trans(false), trans(false), s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n)
		})
		if asmKernels != nil { // the Go kernels are test references, 10x slower than gonum
			run("asm", func() { sgemm(*asmKernels, false, false, s.m, s.n, s.k, a, s.k, bm, s.n, 0, c, s.n) })
		}
	}
}

// TestGemmFloat32: gemm, which the kernels call, sends float32 products
// of at least one mr×nr tile to the micro-kernel and thinner
// ones to gonum; both agree with a float64 product.
func TestGemmFloat32(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, s := range [][3]int{{1, 300, 40}, {mr, nr, 5}, {mr - 1, 40, 9}, {40, 9, 70}, {70, 130, 600}} {
		m, n, k := s[0], s[1], s[2]
		a, b, c := make([]float32, k*m), make([]float32, n*k), make([]float32, m*n)
		for _, x := range [][]float32{a, b, c} {
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
		}
		want, scale := naiveSgemm(true, true, m, n, k, a, m, b, k, 1, c, n)
		Gemm(true, true, m, n, k, a, m, b, k, 1, c, n)
		for i, w := range want {
			if d := math.Abs(float64(c[i]) - w); !(d <= 1e-6*(scale[i]+1)) {
				t.Fatalf("m=%d n=%d k=%d: c[%d] = %g, want %g", m, n, k, i, c[i], w)
			}
		}
	}
}

// BenchmarkSgemmABt times C += A·Bᵀ, a convolution's weight gradient
// for one sample (M = output channels, N = input channels × kernel area,
// K = output pixels), on the dot kernel and on packed panels, and its
// transpose Cᵀ += B·Aᵀ with A's transpose packed (TransposedB, with the
// assembly and the Go panel transpose: wgrad, wgrad-gopack), as the
// convolution's weight gradient computes it. cpu-GFLOP/s divides by the
// process's CPU time, steadier than wall time on a shared machine.
// go test ./graph/op/internal/gemm -run - -bench SgemmABt
func BenchmarkSgemmABt(b *testing.B) {
	if asmKernels == nil {
		b.Skip("no assembly kernels on this CPU")
	}
	ks := *asmKernels
	for _, s := range []struct {
		name    string
		m, n, k int
	}{
		{"resnet20_s1", 16, 144, 1024},
		{"resnet20_s2", 32, 288, 256},
		{"resnet20_s3", 64, 576, 64},
		{"resnet18_s4", 64, 576, 49},
		{"lenet_conv2", 16, 150, 100},
		{"resnet18_l1", 64, 576, 3136},
		{"resnet18_l2", 128, 1152, 784},
		{"resnet18_l3", 256, 2304, 196},
		{"resnet18_l4", 512, 4608, 49},
	} {
		rng := rand.New(rand.NewSource(1))
		a, bm, c := make([]float32, s.m*s.k), make([]float32, s.n*s.k), make([]float32, s.m*s.n)
		for _, x := range [][]float32{a, bm} {
			for i := range x {
				x[i] = rng.Float32()
			}
		}
		flops := 2 * float64(s.m*s.n*s.k)
		bufs := new(packBufs)
		src := panelSource{p: &TransposedB{X: a, LD: s.k}}
		gsrc := panelSource{p: &goTransposedB{TransposedB{X: a, LD: s.k}}}
		for _, p := range []struct {
			name string
			f    func()
		}{
			{"dot", func() { sgemmDotProducts(ks.dot, s.m, s.n, s.k, a, s.k, bm, s.k, 1, c, s.n, bufs) }},
			{"packed", func() { sgemmPacked(&ks, false, true, s.m, s.n, s.k, a, s.k, bm, s.k, 1, c, s.n, nil, nil, bufs) }},
			{"wgrad", func() { sgemmPacked(&ks, false, false, s.n, s.m, s.k, bm, s.k, nil, 0, 1, c, s.m, nil, &src, bufs) }},
			{"wgrad-gopack", func() {
				sgemmPacked(&ks, false, false, s.n, s.m, s.k, bm, s.k, nil, 0, 1, c, s.m, nil, &gsrc, bufs)
			}},
		} {
			b.Run(s.name+"/"+p.name, func(b *testing.B) {
				cpu0 := cpuTime()
				for b.Loop() {
					p.f()
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				if cpu := cpuTime() - cpu0; cpu > 0 {
					b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "cpu-GFLOP/s")
				}
			})
		}
	}
}

// TestPackedA: products with an A packed once agree with a float64
// product, for both layouts of A, over several blocks of k (blockK) and
// m (blockM), off the tile and below it (gonum), with beta 0 (C full of
// NaN) and 0.5; two B's per packing.
func TestPackedA(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	fill := func(n int) []float32 { return normals(rng, n) }
	var p PackedA
	for _, s := range [][3]int{{16, 100, 144}, {blockM + 7, 40, blockK + 30}, {70, 33, 9}, {3, 50, 20}, {8, 5, 20}} {
		m, n, k := s[0], s[1], s[2]
		for _, tA := range []bool{false, true} {
			lda := k + 2
			a := fill(m * lda)
			if tA {
				lda = m + 2
				a = fill(k * lda)
			}
			p.Pack(tA, m, n, k, a, lda)
			for _, beta := range []float32{0, 0.5} {
				ldb, ldc := n+1, n+3
				b, c := fill(k*ldb), fill(m*ldc)
				if beta == 0 {
					for i := range c {
						c[i] = float32(math.NaN())
					}
				}
				want, scale := naiveSgemm(tA, false, m, n, k, a, lda, b, ldb, beta, c, ldc)
				p.Gemm(n, b, ldb, beta, c, ldc)
				for i := range m {
					for j := range n {
						got, w := float64(c[i*ldc+j]), want[i*n+j]
						if tol := 1e-6 * (scale[i*n+j] + 1); !(math.Abs(got-w) <= tol) {
							t.Fatalf("m=%d n=%d k=%d tA=%t beta=%g: C[%d,%d] = %g, want %g", m, n, k, tA, beta, i, j, got, w)
						}
					}
				}
			}
		}
	}
}

// TestPackedAPanelsOnly: where UsesPanels holds, the products read only
// the panels, not the A given to Pack (which its owner may then reuse,
// as Winograd's shared U is, while another goroutine multiplies): after
// Release, and with A overwritten by NaN, a product still agrees with a
// float64 product of the packed values. (sgemmPacked checked A's bounds
// even when it read the panels: a nil A panicked, and a read of A raced
// with its owner's next write under -race.)
func TestPackedAPanelsOnly(t *testing.T) {
	if !useSgemm(mr, nr) {
		t.Skip("no assembly kernels on this CPU: PackedA never uses panels")
	}
	rng := rand.New(rand.NewSource(14))
	for _, tA := range []bool{false, true} {
		m, n, k := 2*mr+1, 3*nr+5, 37
		lda := k + 1
		if tA {
			lda = m + 1
		}
		a := normals(rng, max(m, k)*lda)
		b, c := normals(rng, k*n), make([]float32, m*n)
		want, scale := naiveSgemm(tA, false, m, n, k, a, lda, b, n, 0, c, n)
		var p PackedA
		p.Pack(tA, m, n, k, a, lda)
		if !p.UsesPanels() {
			t.Fatalf("tA=%t: %dx%dx%d does not use the panels", tA, m, n, k)
		}
		for i := range a {
			a[i] = float32(math.NaN())
		}
		p.Release()
		p.Gemm(n, b, n, 0, c, n)
		for i := range want {
			if got := float64(c[i]); !(math.Abs(got-want[i]) <= 1e-6*(scale[i]+1)) {
				t.Fatalf("tA=%t: C[%d] = %g, want %g", tA, i, got, want[i])
			}
		}
	}
}

// goTransposedB is a TransposedB packed with the Go panel transpose.
type goTransposedB struct{ TransposedB }

func (t *goTransposedB) PackPanels(dst []float32, p0, kc, j0, nc int) {
	packT(transpose16Go, t.X, t.LD, j0, p0, nc, kc, dst)
}

// TestGemmThinABt: float32 A·Bᵀ products thinner than a tile with a long
// inner dimension (a batch-1 Linear layer; useDot: the dot kernel, in
// two passes over k for 1030) agree with a float64 product, with beta 0
// (C full of NaN) and 1.
func TestGemmThinABt(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, s := range [][3]int{{1, 1000, 2048}, {1, 2, 128}, {3, 37, 1030}, {5, 16, 200}, {1, 7, 127}} {
		m, n, k := s[0], s[1], s[2]
		for _, beta := range []float32{0, 1} {
			a, b, c := normals(rng, m*k), normals(rng, n*k), normals(rng, m*n)
			if beta == 0 {
				for i := range c {
					c[i] = float32(math.NaN())
				}
			}
			want, scale := naiveSgemm(false, true, m, n, k, a, k, b, k, beta, c, n)
			Gemm(false, true, m, n, k, a, k, b, k, beta, c, n)
			for i, w := range want {
				if d := math.Abs(float64(c[i]) - w); !(d <= 1e-6*(scale[i]+1)) {
					t.Fatalf("m=%d n=%d k=%d beta=%g: c[%d] = %g, want %g", m, n, k, beta, i, c[i], w)
				}
			}
		}
	}
}
