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
	// directM: above this m, a convolution builds its columns as
	// panels of B (PacksB).
	directM = 64
)

// microKernel computes C[0:R, 0:W] = A·B for its tile of R×W (6×16 for
// the main kernel), plus beta·C when load is not zero (when it is, C is
// only written, so NaN in C does not leak), from an R×k micro-panel of A
// whose rows are ars elements apart and whose steps of k are aks apart (1
// and mr when packed, lda and 1 when read in place) and a k×W micro-panel
// of B whose steps are ldb elements apart (nr when packed; a 6×8 kernel
// reads the first 8 of the 16 columns); C has row stride ldc.
type microKernel func(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int)

// gemmKernels are the kernels of sgemm.
type gemmKernels struct {
	tile microKernel // 6×16 C tile from packed panels
	// The edges: rows4 and rows2 compute 4×16 and 2×16 tiles, the last
	// rows of an m that is not a multiple of 6 (16, 32, 64 ... leave 4
	// or 2: a 6-row tile there wastes a third or two thirds of its
	// work); cols8 a 6×8 tile, the last columns of an n that leaves 8 or
	// fewer (ResNet's 7×7 maps: n = 49 = 3·16 + 1).
	rows4, rows2, cols8 microKernel
	// pack16 packs a whole panel of a plain B (packPanel16Go).
	pack16 func(kc int, src *float32, lds int, dst *float32)
	dot    dotKernel // C tile of A·Bᵀ from rows in place (dot.go)
}

// pick returns the kernel for an mm×nn tile of C (mm <= mr, nn <= nr)
// and the rows and columns that kernel computes, at least mm and nn.
func (ks *gemmKernels) pick(mm, nn int) (kern microKernel, rows, cols int) {
	switch {
	case mm > 4 && nn <= 8:
		return ks.cols8, mr, 8
	case mm > 4:
		return ks.tile, mr, nr
	case mm > 2:
		return ks.rows4, 4, nr
	}
	return ks.rows2, 2, nr
}

var (
	// asmKernels are the assembly kernels where the CPU has them (amd64
	// with AVX2 and FMA), nil elsewhere.
	asmKernels *gemmKernels
	// goKernels are the same in Go: references for the tests.
	goKernels = gemmKernels{tile: kernelGo, rows4: kernelGoShape(4, nr), rows2: kernelGoShape(2, nr), cols8: kernelGoShape(mr, 8), pack16: packPanel16Go, dot: dotGo}
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
		scaleRows(m, n, beta, c, ldc)
		return
	}
	bufs := packPool.Get().(*packBufs)
	defer packPool.Put(bufs)
	if tB && !tA && m <= dotM && k >= dotMinK {
		sgemmDotProducts(ks.dot, m, n, k, a, lda, b, ldb, beta, c, ldc, bufs)
		return
	}
	sgemmPacked(&ks, tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc, nil, nil, bufs)
}

// sgemmPacked is sgemm on packed panels (a plain A read in place), for
// m, n, k > 0. pre is op(A) packed whole (PackedA), or nil to pack it
// block by block. src, when not nil, packs B's panels itself (b, ldb and
// tB are then unused).
func sgemmPacked(ks *gemmKernels, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, pre []float32, src *panelSource, bufs *packBufs) {
	if !tA && pre == nil {
		// The kernel reads A in place without bounds checks; with pre it
		// reads only pre, and A may be nil or its owner's to rewrite.
		_ = a[(m-1)*lda+k-1]
	}
	// A stored B is packed one panel at a time, just before the row
	// tiles that read it, where they all fit in one block of rows: the
	// panel (kc×16) stays in the L1 cache for them, where a whole packed
	// block (up to kc×blockN) would be read back from L2 or L3. A larger
	// m reads each panel in several blocks of rows: the block is packed
	// whole, once. (Reading a plain B in place, as this did for m <= 64,
	// saves the copy but not the cache misses: rows of B whose stride is
	// a multiple of 1 KiB (n = 256, 1024) fall in a few of the L1's sets
	// and are read again from L2 by every row tile. With the kernel's
	// constant offsets into a packed panel, BenchmarkSgemmZoo's m <= 64
	// shapes run at 1.1-1.4x the GFLOP/s of the reads in place.)
	perPanel := src == nil && m <= blockM
	// Where one row tile reads each panel (m <= 6: LeNet's first
	// convolution), a whole panel of a plain B is read in place: packing
	// it would copy what the kernel reads once (BenchmarkSgemmZoo,
	// lenet_conv1: 1.6x the GFLOP/s in place).
	oneTile := perPanel && !tB && m <= mr
	if oneTile {
		_ = b[(k-1)*ldb+n-1] // the kernel reads in place without bounds checks
	}
	for jc := 0; jc < n; jc += blockN {
		nc := min(blockN, n-jc)
		for pc := 0; pc < k; pc += blockK {
			kc := min(blockK, k-pc)
			switch {
			case perPanel:
				bufs.b = grow(bufs.b, kc*nr)
			case src != nil:
				bufs.b = grow(bufs.b, kc*roundUp(nc, nr))
				src.p.PackPanels(bufs.b, pc, kc, src.j0+jc, nc)
			default:
				bufs.b = grow(bufs.b, kc*roundUp(nc, nr))
				ks.packB(b, ldb, tB, jc, pc, nc, kc, bufs.b)
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
					bpan, ldbp := bufs.b[0:], nr
					switch {
					case !perPanel:
						bpan = bufs.b[jr*kc:]
					case oneTile && nn == nr:
						bpan, ldbp = b[pc*ldb+jc+jr:], ldb
					default:
						ks.packB(b, ldb, tB, jc+jr, pc, nn, kc, bpan)
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
						kern, rows, cols := ks.pick(mm, nn)
						if mm == rows && nn == cols {
							kern(kc, apan, ars, aks, &bpan[0], ldbp, &c[ci], ldc, bt, load)
							continue
						}
						kern(kc, apan, ars, aks, &bpan[0], ldbp, &bufs.tile[0], nr, 0, 0)
						addTile(c[ci:], ldc, bufs.tile[:], mm, nn, bt, load)
					}
				}
			}
		}
	}
}

// addTile sets C[0:mm, 0:nn] to the same part of tile (row stride nr),
// plus beta·C where load is not zero.
func addTile(c []float32, ldc int, tile []float32, mm, nn int, beta float32, load int) {
	for r := range mm {
		row, t := c[r*ldc:][:nn], tile[r*nr:][:nn]
		if load == 0 {
			copy(row, t)
			continue
		}
		for j := range row {
			row[j] = beta*row[j] + t[j]
		}
	}
}

// packB packs columns [j0, j0+nc) and rows [p0, p0+kc) of op(B) into
// dst as pack does, whole panels of a plain B with ks.pack16.
func (ks *gemmKernels) packB(b []float32, ldb int, tB bool, j0, p0, nc, kc int, dst []float32) {
	full := 0 // columns packed by pack16
	if !tB {
		full = nc / nr * nr
		if full > 0 {
			_ = b[(p0+kc-1)*ldb+j0+full-1] // pack16 reads without bounds checks
		}
		for t := 0; t < full; t += nr {
			ks.pack16(kc, &b[p0*ldb+j0+t], ldb, &dst[t*kc])
		}
	}
	if full < nc {
		pack(b, ldb, !tB, nr, j0+full, p0, nc-full, kc, dst[full*kc:])
	}
}

// packPanel16Go is packPanel16 in Go.
func packPanel16Go(kc int, src *float32, lds int, dst *float32) {
	if kc == 0 {
		return
	}
	s, d := unsafe.Slice(src, (kc-1)*lds+nr), unsafe.Slice(dst, kc*nr)
	for p := range kc {
		copy(d[p*nr:][:nr], s[p*lds:][:nr])
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

// kernelGo is the 6×16 micro-kernel in Go: the reference the assembly
// one is tested against, and a way to test the blocking on any CPU.
func kernelGo(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int) {
	tileGo(mr, nr, k, a, ars, aks, b, ldb, c, ldc, beta, load)
}

// kernelGoShape returns the rows×cols micro-kernel in Go.
func kernelGoShape(rows, cols int) microKernel {
	return func(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int) {
		tileGo(rows, cols, k, a, ars, aks, b, ldb, c, ldc, beta, load)
	}
}

// tileGo is the rows×cols (at most mr×nr) micro-kernel in Go.
func tileGo(rows, cols, k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int) {
	var acc [mr * nr]float32
	var ap, bp []float32
	if k > 0 {
		ap = unsafe.Slice(a, (rows-1)*ars+(k-1)*aks+1)
		bp = unsafe.Slice(b, (k-1)*ldb+cols)
	}
	for p := range k {
		bv := bp[p*ldb:][:cols]
		for r := range rows {
			av := ap[r*ars+p*aks]
			row := acc[r*nr:][:cols]
			for j := range row {
				row[j] += av * bv[j]
			}
		}
	}
	cs := unsafe.Slice(c, (rows-1)*ldc+cols)
	for r := range rows {
		row := cs[r*ldc:][:cols]
		for j := range row {
			if load == 0 {
				row[j] = acc[r*nr+j]
			} else {
				row[j] = beta*row[j] + acc[r*nr+j]
			}
		}
	}
}
