//go:build !purego

#include "textflag.h"

// The tile kernels: C[0:R, 0:W] = A·B (+ beta·C when load != 0), where
// A is an R×k micro-panel whose rows are ars elements apart and whose
// steps of k are aks apart (1 and 6 when packed; lda and 1 when read in
// place), and B a k×W micro-panel whose steps are ldb elements apart (16
// when packed: only the first W of its 16 columns are read), C row-major
// with stride ldc elements.
//
// Registers: CX steps of k, AX rows 0-2 of A, R10 rows 3-5, R11 ars and
// R12 aks in bytes, BX B, R9 ldb in bytes, DI C, R8 ldc in bytes. Each
// step of k loads B (Y12, Y13), broadcasts each row's value of A (Y14,
// Y15) and multiplies-adds into the accumulators. The loop runs four
// steps at a time; with a packed B (ldb = 16) its four rows are at
// constant offsets, which runs 15-20% faster than advancing BX every
// step (BenchmarkKernel).

// KERNEL_ARGS loads the arguments common to every tile kernel.
#define KERNEL_ARGS \
	MOVQ k+0(FP), CX; \
	MOVQ a+8(FP), AX; \
	MOVQ ars+16(FP), R11; \
	SHLQ $2, R11; \
	LEAQ (AX)(R11*2), R10; \
	ADDQ R11, R10; \
	MOVQ aks+24(FP), R12; \
	SHLQ $2, R12; \
	MOVQ b+32(FP), BX; \
	MOVQ ldb+40(FP), R9; \
	SHLQ $2, R9; \
	MOVQ c+48(FP), DI; \
	MOVQ ldc+56(FP), R8; \
	SHLQ $2, R8; \
	MOVQ CX, DX; \
	SHRQ $2, DX; \
	ANDQ $3, CX

// ROW16 multiplies-adds one row of A, at addr, into acc0 and acc1.
#define ROW16(addr, bc, acc0, acc1) \
	VBROADCASTSS addr, bc; \
	VFMADD231PS  Y12, bc, acc0; \
	VFMADD231PS  Y13, bc, acc1

// ROWS4x16 loads B's row at off(BX) and multiplies-adds rows 0-3 of A
// into Y0-Y7.
#define ROWS4x16(off) \
	VMOVUPS (off)(BX), Y12; \
	VMOVUPS (off+32)(BX), Y13; \
	ROW16((AX), Y14, Y0, Y1); \
	ROW16((AX)(R11*1), Y15, Y2, Y3); \
	ROW16((AX)(R11*2), Y14, Y4, Y5); \
	ROW16((R10), Y15, Y6, Y7)

// STEP6x16 is one step of k of the 6×16 kernel, B's row at off(BX).
#define STEP6x16(off) \
	ROWS4x16(off); \
	ROW16((R10)(R11*1), Y14, Y8, Y9); \
	ROW16((R10)(R11*2), Y15, Y10, Y11); \
	ADDQ R12, AX; \
	ADDQ R12, R10

// STEP4x16 is one step of k of the 4×16 kernel.
#define STEP4x16(off) \
	ROWS4x16(off); \
	ADDQ R12, AX; \
	ADDQ R12, R10

// STEP2x16 is one step of k of the 2×16 kernel into accumulators a..d
// (two sets, even and odd steps, hide the latency of the FMAs).
#define STEP2x16(off, a0, a1, a2, a3) \
	VMOVUPS (off)(BX), Y12; \
	VMOVUPS (off+32)(BX), Y13; \
	ROW16((AX), Y14, a0, a1); \
	ROW16((AX)(R11*1), Y15, a2, a3); \
	ADDQ R12, AX

// ROW8 multiplies-adds one row of A, at addr, into acc.
#define ROW8(addr, bc, acc) \
	VBROADCASTSS addr, bc; \
	VFMADD231PS  Y12, bc, acc

// STEP6x8 is one step of k of the 6×8 kernel into accumulators a..f.
#define STEP6x8(off, a0, a1, a2, a3, a4, a5) \
	VMOVUPS (off)(BX), Y12; \
	ROW8((AX), Y14, a0); \
	ROW8((AX)(R11*1), Y15, a1); \
	ROW8((AX)(R11*2), Y14, a2); \
	ROW8((R10), Y15, a3); \
	ROW8((R10)(R11*1), Y14, a4); \
	ROW8((R10)(R11*2), Y15, a5); \
	ADDQ R12, AX; \
	ADDQ R12, R10

// LOOP runs STEP0..3 over k: DX groups of four steps, then CX single
// ones (STEP0), at the labels given. With a packed B (ldb = 64 bytes) a
// group reads B at constant offsets; otherwise BX advances by ldb after
// each step.
#define LOOP(packed, strided, tail, single, done, STEP0, STEP1, STEP2, STEP3) \
	CMPQ  R9, $64; \
	JNE   strided; \
	TESTQ DX, DX; \
	JZ    tail; \
packed: \
	STEP0(0); \
	STEP1(64); \
	STEP2(128); \
	STEP3(192); \
	ADDQ  $256, BX; \
	DECQ  DX; \
	JNZ   packed; \
	JMP   tail; \
strided: \
	TESTQ DX, DX; \
	JZ    tail; \
	STEP0(0); \
	ADDQ  R9, BX; \
	STEP1(0); \
	ADDQ  R9, BX; \
	STEP2(0); \
	ADDQ  R9, BX; \
	STEP3(0); \
	ADDQ  R9, BX; \
	DECQ  DX; \
	JMP   strided; \
tail: \
	TESTQ CX, CX; \
	JZ    done; \
single: \
	STEP0(0); \
	ADDQ  R9, BX; \
	DECQ  CX; \
	JNZ   single; \
done:

// STORE writes acc (8 columns) to off(DI): beta·C + acc where load is
// not zero (beta in Y15), else acc.
#define STORE_ADD(off, acc) \
	VFMADD231PS (off)(DI), Y15, acc; \
	VMOVUPS     acc, (off)(DI)

#define STORE_SET(off, acc) \
	VMOVUPS acc, (off)(DI)

// STORE_ROW16 writes one row of 16 and moves DI to the next.
#define STORE_ROW16(ST, acc0, acc1) \
	ST(0, acc0); \
	ST(32, acc1); \
	ADDQ R8, DI

// STORE_ROW8 writes one row of 8 and moves DI to the next.
#define STORE_ROW8(ST, acc) \
	ST(0, acc); \
	ADDQ R8, DI

// STORE16_2, _4 and _6 write the first 2, 4 or 6 rows of a 16-wide
// tile, rows in Y0-Y11 (two registers a row), with ST (STORE_ADD or
// STORE_SET).
#define STORE16_2(ST) \
	STORE_ROW16(ST, Y0, Y1); \
	STORE_ROW16(ST, Y2, Y3)

#define STORE16_4(ST) \
	STORE16_2(ST); \
	STORE_ROW16(ST, Y4, Y5); \
	STORE_ROW16(ST, Y6, Y7)

#define STORE16_6(ST) \
	STORE16_4(ST); \
	STORE_ROW16(ST, Y8, Y9); \
	STORE_ROW16(ST, Y10, Y11)

#define ZERO12 \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7; \
	VXORPS Y8, Y8, Y8; \
	VXORPS Y9, Y9, Y9; \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11

// LOAD_BETA puts beta in Y15, or jumps to set when load is zero.
#define LOAD_BETA(set) \
	MOVQ  load+72(FP), DX; \
	TESTQ DX, DX; \
	JZ    set; \
	VBROADCASTSS beta+64(FP), Y15

// func sgemmKernel6x16(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int)
//
// The main tile kernel: twelve ymm accumulators hold the 6×16 tile; each
// step of k is two loads of B, six broadcasts of A and twelve FMAs.
TEXT ·sgemmKernel6x16(SB), NOSPLIT, $0-80
	KERNEL_ARGS
	ZERO12
	LOOP(k6x16p, k6x16s, k6x16t, k6x16one, k6x16done, STEP6x16, STEP6x16, STEP6x16, STEP6x16)
	LOAD_BETA(k6x16set)
	STORE16_6(STORE_ADD)
	VZEROUPPER
	RET
k6x16set:
	STORE16_6(STORE_SET)
	VZEROUPPER
	RET

// func sgemmKernel4x16(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int)
//
// The tile kernel for four rows (the last rows of an m that is not a
// multiple of 6: 16, 64, 256 ... leave 4): eight accumulators.
TEXT ·sgemmKernel4x16(SB), NOSPLIT, $0-80
	KERNEL_ARGS
	ZERO12
	LOOP(k4x16p, k4x16s, k4x16t, k4x16one, k4x16done, STEP4x16, STEP4x16, STEP4x16, STEP4x16)
	LOAD_BETA(k4x16set)
	STORE16_4(STORE_ADD)
	VZEROUPPER
	RET
k4x16set:
	STORE16_4(STORE_SET)
	VZEROUPPER
	RET

#define S2x16_0(off) STEP2x16(off, Y0, Y1, Y2, Y3)
#define S2x16_1(off) STEP2x16(off, Y4, Y5, Y6, Y7)

// func sgemmKernel2x16(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int)
//
// The tile kernel for two rows (32, 128, 512 ... leave 2): two sets of
// four accumulators, for even and odd steps of k, summed at the end.
TEXT ·sgemmKernel2x16(SB), NOSPLIT, $0-80
	KERNEL_ARGS
	ZERO12
	LOOP(k2x16p, k2x16s, k2x16t, k2x16one, k2x16done, S2x16_0, S2x16_1, S2x16_0, S2x16_1)
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	VADDPS Y7, Y3, Y3
	LOAD_BETA(k2x16set)
	STORE16_2(STORE_ADD)
	VZEROUPPER
	RET
k2x16set:
	STORE16_2(STORE_SET)
	VZEROUPPER
	RET

#define S6x8_0(off) STEP6x8(off, Y0, Y1, Y2, Y3, Y4, Y5)
#define S6x8_1(off) STEP6x8(off, Y6, Y7, Y8, Y9, Y10, Y11)

// func sgemmKernel6x8(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int)
//
// The tile kernel for the last columns of an n that leaves 8 or fewer
// past its last whole panel (ResNet's 7×7 maps: n = 49 = 3·16 + 1):
// half the multiply-adds of the 6×16 tile. Two sets of six accumulators,
// for even and odd steps of k, summed at the end.
TEXT ·sgemmKernel6x8(SB), NOSPLIT, $0-80
	KERNEL_ARGS
	ZERO12
	LOOP(k6x8p, k6x8s, k6x8t, k6x8one, k6x8done, S6x8_0, S6x8_1, S6x8_0, S6x8_1)
	VADDPS Y6, Y0, Y0
	VADDPS Y7, Y1, Y1
	VADDPS Y8, Y2, Y2
	VADDPS Y9, Y3, Y3
	VADDPS Y10, Y4, Y4
	VADDPS Y11, Y5, Y5
	LOAD_BETA(k6x8set)
	STORE_ROW8(STORE_ADD, Y0)
	STORE_ROW8(STORE_ADD, Y1)
	STORE_ROW8(STORE_ADD, Y2)
	STORE_ROW8(STORE_ADD, Y3)
	STORE_ROW8(STORE_ADD, Y4)
	STORE_ROW8(STORE_ADD, Y5)
	VZEROUPPER
	RET
k6x8set:
	STORE_ROW8(STORE_SET, Y0)
	STORE_ROW8(STORE_SET, Y1)
	STORE_ROW8(STORE_SET, Y2)
	STORE_ROW8(STORE_SET, Y3)
	STORE_ROW8(STORE_SET, Y4)
	STORE_ROW8(STORE_SET, Y5)
	VZEROUPPER
	RET

// func packPanel16(kc int, src *float32, lds int, dst *float32)
//
// dst[16p:16p+16] = src[p·lds:p·lds+16] for p < kc: one 16-column panel
// of a B whose rows are contiguous, packed (pack's copy and clear, a
// call of memmove for every 64 bytes, took as long as the 16-row
// product that reads the panel).
TEXT ·packPanel16(SB), NOSPLIT, $0-32
	MOVQ  kc+0(FP), CX
	MOVQ  src+8(FP), SI
	MOVQ  lds+16(FP), DX
	SHLQ  $2, DX
	MOVQ  dst+24(FP), DI
	TESTQ CX, CX
	JZ    packdone

packloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    DX, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     packloop

packdone:
	VZEROUPPER
	RET

// func sgemmDot4x3(k8 int, a *float32, lda int, b *float32, ldb int, out *float32)
//
// out[4r+q] = Σ_{p<8·k8} a[r·lda+p]·b[q·ldb+p] for r < 4, q < 3: a 4×3
// tile of A·Bᵀ with both operands read in place, row by row (the inner
// dimension contiguous in each). Twelve ymm accumulators each sum eight
// lanes of one dot product; each step of eight is seven loads and twelve
// fused multiply-adds. out has row stride 4 (out[4r+3] is scratch).
TEXT ·sgemmDot4x3(SB), NOSPLIT, $0-48
	MOVQ k8+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), DX
	SHLQ $2, DX
	LEAQ (SI)(DX*2), R10
	ADDQ DX, R10
	MOVQ b+24(FP), DI
	MOVQ ldb+32(FP), R11
	SHLQ $2, R11
	MOVQ out+40(FP), R8

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	TESTQ CX, CX
	JZ    reduce

dotloop:
	VMOVUPS     (DI), Y12
	VMOVUPS     (DI)(R11*1), Y13
	VMOVUPS     (DI)(R11*2), Y14
	VMOVUPS     (SI), Y15
	VFMADD231PS Y12, Y15, Y0
	VFMADD231PS Y13, Y15, Y1
	VFMADD231PS Y14, Y15, Y2
	VMOVUPS     (SI)(DX*1), Y15
	VFMADD231PS Y12, Y15, Y3
	VFMADD231PS Y13, Y15, Y4
	VFMADD231PS Y14, Y15, Y5
	VMOVUPS     (SI)(DX*2), Y15
	VFMADD231PS Y12, Y15, Y6
	VFMADD231PS Y13, Y15, Y7
	VFMADD231PS Y14, Y15, Y8
	VMOVUPS     (R10), Y15
	VFMADD231PS Y12, Y15, Y9
	VFMADD231PS Y13, Y15, Y10
	VFMADD231PS Y14, Y15, Y11
	ADDQ        $32, SI
	ADDQ        $32, R10
	ADDQ        $32, DI
	DECQ        CX
	JNZ         dotloop

reduce:
	// Fold each accumulator's high half onto its low half, then two
	// horizontal adds give the row's three sums: [s0, s1, s2, s2].
	VEXTRACTF128 $1, Y0, X12
	VADDPS       X12, X0, X0
	VEXTRACTF128 $1, Y1, X12
	VADDPS       X12, X1, X1
	VEXTRACTF128 $1, Y2, X12
	VADDPS       X12, X2, X2
	VHADDPS      X1, X0, X12
	VHADDPS      X2, X2, X13
	VHADDPS      X13, X12, X12
	VMOVUPS      X12, (R8)

	VEXTRACTF128 $1, Y3, X12
	VADDPS       X12, X3, X3
	VEXTRACTF128 $1, Y4, X12
	VADDPS       X12, X4, X4
	VEXTRACTF128 $1, Y5, X12
	VADDPS       X12, X5, X5
	VHADDPS      X4, X3, X12
	VHADDPS      X5, X5, X13
	VHADDPS      X13, X12, X12
	VMOVUPS      X12, 16(R8)

	VEXTRACTF128 $1, Y6, X12
	VADDPS       X12, X6, X6
	VEXTRACTF128 $1, Y7, X12
	VADDPS       X12, X7, X7
	VEXTRACTF128 $1, Y8, X12
	VADDPS       X12, X8, X8
	VHADDPS      X7, X6, X12
	VHADDPS      X8, X8, X13
	VHADDPS      X13, X12, X12
	VMOVUPS      X12, 32(R8)

	VEXTRACTF128 $1, Y9, X12
	VADDPS       X12, X9, X9
	VEXTRACTF128 $1, Y10, X12
	VADDPS       X12, X10, X10
	VEXTRACTF128 $1, Y11, X12
	VADDPS       X12, X11, X11
	VHADDPS      X10, X9, X12
	VHADDPS      X11, X11, X13
	VHADDPS      X13, X12, X12
	VMOVUPS      X12, 48(R8)

	VZEROUPPER
	RET
