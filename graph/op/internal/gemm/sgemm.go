package gemm

import (
	"sync"
	"unsafe"
)

// A float32 GEMM blocked the way BLIS and OpenBLAS block theirs: B is
// packed kc×nc at a time (kept in L3), A mc×kc (kept in L2), both into
// micro-panels laid out in the order a micro-kernel reads them, and the
// micro-kernel computes one mr×nr tile of C from a micro-panel of each
// with its accumulators in registers. gonum's Sgemm, the portable
// default, has no micro-kernel: it walks rows of C with a vector axpy,
// loading and storing C once per element of the inner dimension.
const (
	mr, nr = 6, 16 // the micro-kernel's tile of C: 12 ymm registers
	blockM = 96    // rows of A packed at a time: 96×256 float32 = 96 KiB
	blockK = 256   // inner dimension per pass
	blockN = 2048  // columns of B packed at a time: 256×2048 float32 = 2 MiB
	// directM: up to this m, a B that is not transposed is read in place.
	directM = 64
)

// microKernel computes C[0:mr, 0:nr] = A·B, plus beta·C when load is not
// zero (when it is, C is only written, so NaN in C does not leak), from an
// mr×k micro-panel of A whose rows are ars elements apart and whose steps
// of k are aks apart (1 and mr when packed, lda and 1 when read in place)
// and a k×nr micro-panel of B whose steps are ldb elements apart (nr when
// packed); C has row stride ldc.
type microKernel func(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int)

// gemmKernels are the two kernels of sgemm.
type gemmKernels struct {
	tile microKernel // C tile from packed panels
	dot  dotKernel   // C tile of A·Bᵀ from rows in place (sgemm_dot.go)
}

var (
	// asmKernels are the assembly kernels where the CPU has them (amd64
	// with AVX2 and FMA), nil elsewhere.
	asmKernels *gemmKernels
	// goKernels are the same in Go: references for the tests.
	goKernels = gemmKernels{tile: kernelGo, dot: dotGo}
)

// packBufs are one goroutine's packing buffers and a tile for the edges
// of C; the kernels call gemm from several workers at once. (A tile on
// the stack would escape through the kernel's func value: one allocation
// per edge tile.)
type packBufs struct {
	a, b []float32
	tile [mr * nr]float32
}

var packPool = sync.Pool{New: func() any { return new(packBufs) }}

// grow returns b resized to n elements, reusing its storage if it can.
func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// sgemm computes C = op(A)·op(B) + beta·C in row-major order with the
// kernels ks, C being m×n and the inner dimension k; op transposes where
// tA or tB. As in BLAS, beta 0 ignores C's contents.
func sgemm(ks gemmKernels, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	_ = c[(m-1)*ldc+n-1] // the kernel writes without bounds checks
	if k == 0 {
		for i := range m {
			row := c[i*ldc:][:n]
			for j := range row {
				if beta == 0 {
					row[j] = 0
				} else {
					row[j] *= beta
				}
			}
		}
		return
	}
	bufs := packPool.Get().(*packBufs)
	defer packPool.Put(bufs)
	if tB && !tA && m <= dotM && k >= dotMinK {
		sgemmDotProducts(ks.dot, m, n, k, a, lda, b, ldb, beta, c, ldc, bufs)
		return
	}
	sgemmPacked(ks.tile, tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc, nil, nil, bufs)
}

// sgemmPacked is sgemm on packed panels (a plain A, and a plain B with
// m <= directM, read in place), for m, n, k > 0. pre is op(A) packed
// whole (PackedA), or nil to pack it block by block. src, when not nil,
// packs B's panels itself (b, ldb and tB are then unused).
func sgemmPacked(kern microKernel, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, pre []float32, src *panelSource, bufs *packBufs) {
	if !tA && pre == nil {
		// The kernel reads A in place without bounds checks; with pre it
		// reads only pre, and A may be nil or its owner's to rewrite.
		_ = a[(m-1)*lda+k-1]
	}
	for jc := 0; jc < n; jc += blockN {
		nc := min(blockN, n-jc)
		for pc := 0; pc < k; pc += blockK {
			kc := min(blockK, k-pc)
			// A B that is not transposed has its rows contiguous, as the
			// kernel reads them: it reads them in place, with stride ldb,
			// and only a last partial panel is packed (zero-padded). This
			// saves a copy of B, which costs as much as the product itself
			// when m is small (a LeNet or CIFAR convolution: m = 16). For a
			// larger m, the packed copy, read many times, pays for itself
			// (BenchmarkSgemm: in place, m = 16 runs at 1.9x and m = 64 at
			// 1.5x the packed GFLOP/s, m = 128 and 256 at 0.8x).
			full := nc // columns read in place
			bufs.b = grow(bufs.b, kc*roundUp(nc, nr))
			bp := bufs.b
			switch {
			case src != nil:
				full = 0
				src.p.PackPanels(bp, pc, kc, src.j0+jc, nc)
			case tB || m > directM:
				full = 0
				pack(b, ldb, !tB, nr, jc, pc, nc, kc, bp)
			default:
				_ = b[(pc+kc-1)*ldb+jc+nc-1] // the kernel reads in place without bounds checks
				if full = nc / nr * nr; full < nc {
					pack(b, ldb, true, nr, jc+full, pc, nc-full, kc, bp)
				}
			}
			bt := beta
			if pc > 0 {
				bt = 1
			}
			load := 1
			if bt == 0 {
				load = 0
			}
			for ic := 0; ic < m; ic += blockM {
				mc := min(blockM, m-ic)
				// A that is not transposed has the steps of each row
				// contiguous: the kernel reads its whole micro-panels in
				// place, rows lda apart, and only a last partial one is
				// packed (zero-padded). Packing A costs a pass over it per
				// pass over k, which the product repays only over many
				// panels of B; in place, the kernel runs as fast or faster
				// on the zoo's shapes (n = 49 to 12544) and twice as fast
				// for n = 49 (ResNet's last stage at batch 1), measured
				// in CPU time on one thread.
				var ap []float32
				whole := 0 // rows of the block read in place
				switch {
				case pre != nil:
					ap = pre[pc*roundUp(m, mr)+ic*kc:]
				case !tA:
					whole = mc / mr * mr
					if whole < mc {
						bufs.a = grow(bufs.a, kc*mr)
						ap = bufs.a
						pack(a, lda, tA, mr, ic+whole, pc, mc-whole, kc, ap)
					}
				default:
					bufs.a = grow(bufs.a, kc*roundUp(mc, mr))
					ap = bufs.a
					pack(a, lda, tA, mr, ic, pc, mc, kc, ap)
				}
				for jr := 0; jr < nc; jr += nr {
					nn := min(nr, nc-jr)
					var bpan *float32
					ldbp := nr
					if jr < full {
						bpan, ldbp = &b[pc*ldb+jc+jr], ldb
					} else {
						bpan = &bp[(jr-full)*kc]
					}
					for ir := 0; ir < mc; ir += mr {
						mm := min(mr, mc-ir)
						var apan *float32
						ars, aks := 1, mr
						if ir < whole {
							apan, ars, aks = &a[(ic+ir)*lda+pc], lda, 1
						} else {
							apan = &ap[(ir-whole)*kc]
						}
						ci := (ic+ir)*ldc + jc + jr
						if mm == mr && nn == nr {
							kern(kc, apan, ars, aks, bpan, ldbp, &c[ci], ldc, bt, load)
							continue
						}
						tile := &bufs.tile
						kern(kc, apan, ars, aks, bpan, ldbp, &tile[0], nr, 0, 0)
						for r := range mm {
							row, t := c[ci+r*ldc:][:nn], tile[r*nr:][:nn]
							for j := range row {
								if load == 0 {
									row[j] = t[j]
								} else {
									row[j] = bt*row[j] + t[j]
								}
							}
						}
					}
				}
			}
		}
	}
}

// pack copies a block of op(X), entries (o, p) for o in o0..o0+count and
// p in p0..p0+kc, into dst as micro-panels of w consecutive o, each
// stored p by p (w values per step of k), entries past count zero. For
// A, o is the row (w = mr); for B, o is the column (w = nr). Where
// oContiguous, entry (o, p) is x[p*ld+o], else x[o*ld+p].
func pack(x []float32, ld int, oContiguous bool, w, o0, p0, count, kc int, dst []float32) {
	for or := 0; or < count; or += w {
		nn := min(w, count-or)
		panel := dst[or*kc:][:kc*w]
		if oContiguous {
			for p := range kc {
				d := panel[p*w:][:w]
				copy(d, x[(p0+p)*ld+o0+or:][:nn])
				clear(d[nn:])
			}
			continue
		}
		for o := range w {
			if o >= nn {
				for p := range kc {
					panel[p*w+o] = 0
				}
				continue
			}
			for p, v := range x[(o0+or+o)*ld+p0:][:kc] {
				panel[p*w+o] = v
			}
		}
	}
}

// kernelGo is the micro-kernel in Go: the reference the assembly one is
// tested against, and a way to test the blocking on any CPU.
func kernelGo(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int) {
	var acc [mr * nr]float32
	ap := unsafe.Slice(a, (mr-1)*ars+(k-1)*aks+1)
	bp := unsafe.Slice(b, (k-1)*ldb+nr)
	for p := range k {
		bv := bp[p*ldb:][:nr]
		for r := range mr {
			av := ap[r*ars+p*aks]
			row := acc[r*nr:][:nr]
			for j := range row {
				row[j] += av * bv[j]
			}
		}
	}
	cs := unsafe.Slice(c, (mr-1)*ldc+nr)
	for r := range mr {
		row := cs[r*ldc:][:nr]
		for j := range row {
			if load == 0 {
				row[j] = acc[r*nr+j]
			} else {
				row[j] = beta*row[j] + acc[r*nr+j]
			}
		}
	}
}
