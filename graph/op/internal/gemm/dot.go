package gemm

import "unsafe"

// Products with a transposed B and a plain A (C = A·Bᵀ, both operands
// with the inner dimension contiguous: a convolution's weight gradient
// dy·colsᵀ, a Linear layer's x·Wᵀ) would have sgemm transpose B while
// packing it, at a cost near the product's own when m is small. For
// those, a dot-product kernel reads both operands in place: each of a
// dr×dc tile's dot products is summed in eight lanes of a register.
const (
	dr, dc = 4, 3 // the dot kernel's tile of C
	dotK   = 1024 // inner dimension per pass (a multiple of 8)
	dotN   = 64   // rows of B per block: 64×1024 float32 = 256 KiB, in L2
	// dotM: up to this m, A·Bᵀ goes to the dot kernel; a larger m
	// reads each packed panel of B often enough to pay for packing it.
	dotM = 64
	// dotMinK: below this k, the dot kernel's per-tile overhead (a call
	// and a write of C per 12·k multiply-adds) outweighs the cost of
	// packing B (BenchmarkSgemmABt: k = 49 and 64 run at about twice the
	// GFLOP/s packed, k = 256 and 1024 faster on the dot kernel, k = 100
	// at par).
	dotMinK = 128
)

// dotKernel sets out[4r+q] = Σ_{p<8·k8} A[r][p]·B[q][p] for r < dr and
// q < dc, A and B row-major with row strides lda and ldb.
type dotKernel func(k8 int, a *float32, lda int, b *float32, ldb int, out *float32)

// sgemmDotProducts computes C = A·Bᵀ + beta·C for A m×k, B n×k, k > 0,
// with the dot kernel.
func sgemmDotProducts(kern dotKernel, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, bufs *packBufs) {
	out := bufs.tile[:dr*4]
	for pc := 0; pc < k; pc += dotK {
		kc := min(dotK, k-pc)
		k8 := kc / 8
		// The last rows of A when m is not a multiple of dr: a
		// zero-padded copy, made once per pass over k.
		if last := m / dr * dr; last < m {
			bufs.a = grow(bufs.a, dr*kc)
			for r := range dr {
				row := bufs.a[r*kc:][:kc]
				if last+r < m {
					copy(row, a[(last+r)*lda+pc:][:kc])
				} else {
					clear(row)
				}
			}
		}
		for jc := 0; jc < n; jc += dotN {
			nc := min(dotN, n-jc)
			// The last rows of a block that does not fill a tile: a
			// zero-padded copy, made once per block.
			edge := jc + nc/dc*dc
			if edge < jc+nc {
				bufs.b = grow(bufs.b, dc*kc)
				for q := range dc {
					row := bufs.b[q*kc:][:kc]
					if edge+q < jc+nc {
						copy(row, b[(edge+q)*ldb+pc:][:kc])
					} else {
						clear(row)
					}
				}
			}
			for i := 0; i < m; i += dr {
				mm := min(dr, m-i)
				ap, as := a[i*lda+pc:], lda
				if mm < dr {
					ap, as = bufs.a, kc // the last rows, copied once per pass
				}
				_ = ap[(dr-1)*as+kc-1] // the kernel reads without bounds checks
				for j := jc; j < jc+nc; j += dc {
					nn := min(dc, jc+nc-j)
					bp, bs := b[j*ldb+pc:], ldb
					if j >= edge {
						bp, bs = bufs.b, kc
					}
					_ = bp[(dc-1)*bs+kc-1]
					kern(k8, &ap[0], as, &bp[0], bs, &out[0])
					if mm == dr && nn == dc && k8*8 == kc && (pc > 0 || beta == 1 || beta == 0) {
						// A whole tile, the common case: no remainder of k,
						// C added to or overwritten (beta·C is C when beta
						// is 1). Its own loop, as this runs once every
						// 12·kc multiply-adds.
						acc := pc > 0 || beta == 1
						for r := range dr {
							crow, o := c[(i+r)*ldc+j:][:dc:dc], out[r*4:][:dc:dc]
							if acc {
								crow[0], crow[1], crow[2] = crow[0]+o[0], crow[1]+o[1], crow[2]+o[2]
							} else {
								crow[0], crow[1], crow[2] = o[0], o[1], o[2]
							}
						}
						continue
					}
					for r := range mm {
						crow := c[(i+r)*ldc+j:][:nn]
						for q := range crow {
							s := out[r*4+q]
							for p := k8 * 8; p < kc; p++ { // the last kc mod 8
								s += ap[r*as+p] * bp[q*bs+p]
							}
							switch {
							case pc > 0:
								crow[q] += s
							case beta == 0:
								crow[q] = s
							default:
								crow[q] = beta*crow[q] + s
							}
						}
					}
				}
			}
		}
	}
}

// dotGo is the dot kernel in Go: the reference the assembly one is
// tested against.
func dotGo(k8 int, a *float32, lda int, b *float32, ldb int, out *float32) {
	as := unsafe.Slice(a, (dr-1)*lda+8*k8)
	bs := unsafe.Slice(b, (dc-1)*ldb+8*k8)
	o := unsafe.Slice(out, dr*4)
	for r := range dr {
		for q := range dc {
			var s float32
			for p := range 8 * k8 {
				s += as[r*lda+p] * bs[q*ldb+p]
			}
			o[r*4+q] = s
		}
	}
}
