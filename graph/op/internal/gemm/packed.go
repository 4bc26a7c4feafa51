package gemm

// PackedA is a float32 op(A), m×k, packed once into the micro-kernel's
// panels for products with many B's: a convolution's weights (or Wᵀ),
// multiplied by one matrix per sample, are otherwise packed again for
// each, or, plain, read in place from rows lda apart, slower than the
// contiguous panels where B is narrow (ResNet-20's last stage: n = 64).
type PackedA struct {
	tA      bool
	m, k    int
	a       []float32 // the unpacked A, for the products that do not use the panels
	lda     int
	data    []float32
	useData bool
}

// Pack records op(A) (m×k, transposed where tA, row stride lda) for
// products with n-column B's (not transposed); where those go to the
// micro-kernel, it packs A into p's buffer, reused from call to call. A
// must not change until the last product with p.
func (p *PackedA) Pack(tA bool, m, n, k int, a []float32, lda int) {
	p.tA, p.m, p.k, p.a, p.lda = tA, m, k, a, lda
	p.useData = useSgemm(m, n) && k > 0
	if !p.useData {
		return
	}
	rows := roundUp(m, mr)
	p.data = grow(p.data, rows*k)
	for pc := 0; pc < k; pc += blockK {
		pack(a, lda, tA, mr, 0, pc, m, min(blockK, k-pc), p.data[pc*rows:])
	}
}

// Gemm computes C = op(A)·B + beta·C, C being m×n with row stride ldc and
// B k×n with row stride ldb, n as given to Pack.
func (p *PackedA) Gemm(n int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !p.useData || p.m == 0 || n == 0 {
		Gemm(p.tA, false, p.m, n, p.k, p.a, p.lda, b, ldb, beta, c, ldc)
		return
	}
	_ = c[(p.m-1)*ldc+n-1] // the kernel writes without bounds checks
	bufs := packPool.Get().(*packBufs)
	defer packPool.Put(bufs)
	sgemmPacked(asmKernels, p.tA, false, p.m, n, p.k, p.a, p.lda, b, ldb, beta, c, ldc, p.data, nil, bufs)
}

// Release drops p's reference to A; the panel buffer stays for reuse.
func (p *PackedA) Release() { p.a = nil }
