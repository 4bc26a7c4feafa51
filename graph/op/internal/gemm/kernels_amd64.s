//go:build !purego

#include "textflag.h"

// func sgemmKernel6x16(k int, a *float32, ars, aks int, b *float32, ldb int, c *float32, ldc int, beta float32, load int)
//
// C[0:6, 0:16] = A·B (+ beta·C when load != 0), where A is a 6×k
// micro-panel whose rows are ars elements apart and whose steps of k are
// aks apart (1 and 6 when packed; lda and 1 when read in place), and B a
// k×16 micro-panel whose steps are ldb elements apart (16 when packed), C
// row-major with stride ldc elements. Twelve ymm accumulators hold the
// 6×16 tile; each step of k is two loads of B, six broadcasts of A and
// twelve fused multiply-adds.
TEXT ·sgemmKernel6x16(SB), NOSPLIT, $0-80
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ ars+16(FP), R11
	SHLQ $2, R11
	LEAQ (AX)(R11*2), R10
	ADDQ R11, R10
	MOVQ aks+24(FP), R12
	SHLQ $2, R12
	MOVQ b+32(FP), BX
	MOVQ ldb+40(FP), R9
	SHLQ $2, R9
	MOVQ c+48(FP), DI
	MOVQ ldc+56(FP), R8
	SHLQ $2, R8

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
	JZ    store

loop:
	VMOVUPS      (BX), Y12
	VMOVUPS      32(BX), Y13
	VBROADCASTSS (AX), Y14
	VFMADD231PS  Y12, Y14, Y0
	VFMADD231PS  Y13, Y14, Y1
	VBROADCASTSS (AX)(R11*1), Y15
	VFMADD231PS  Y12, Y15, Y2
	VFMADD231PS  Y13, Y15, Y3
	VBROADCASTSS (AX)(R11*2), Y14
	VFMADD231PS  Y12, Y14, Y4
	VFMADD231PS  Y13, Y14, Y5
	VBROADCASTSS (R10), Y15
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	VBROADCASTSS (R10)(R11*1), Y14
	VFMADD231PS  Y12, Y14, Y8
	VFMADD231PS  Y13, Y14, Y9
	VBROADCASTSS (R10)(R11*2), Y15
	VFMADD231PS  Y12, Y15, Y10
	VFMADD231PS  Y13, Y15, Y11
	ADDQ         R12, AX
	ADDQ         R12, R10
	ADDQ         R9, BX
	DECQ         CX
	JNZ          loop

store:
	MOVQ load+72(FP), DX
	TESTQ DX, DX
	JZ    overwrite

	VBROADCASTSS beta+64(FP), Y15
	VFMADD231PS  (DI), Y15, Y0
	VFMADD231PS  32(DI), Y15, Y1
	VMOVUPS      Y0, (DI)
	VMOVUPS      Y1, 32(DI)
	ADDQ         R8, DI
	VFMADD231PS  (DI), Y15, Y2
	VFMADD231PS  32(DI), Y15, Y3
	VMOVUPS      Y2, (DI)
	VMOVUPS      Y3, 32(DI)
	ADDQ         R8, DI
	VFMADD231PS  (DI), Y15, Y4
	VFMADD231PS  32(DI), Y15, Y5
	VMOVUPS      Y4, (DI)
	VMOVUPS      Y5, 32(DI)
	ADDQ         R8, DI
	VFMADD231PS  (DI), Y15, Y6
	VFMADD231PS  32(DI), Y15, Y7
	VMOVUPS      Y6, (DI)
	VMOVUPS      Y7, 32(DI)
	ADDQ         R8, DI
	VFMADD231PS  (DI), Y15, Y8
	VFMADD231PS  32(DI), Y15, Y9
	VMOVUPS      Y8, (DI)
	VMOVUPS      Y9, 32(DI)
	ADDQ         R8, DI
	VFMADD231PS  (DI), Y15, Y10
	VFMADD231PS  32(DI), Y15, Y11
	VMOVUPS      Y10, (DI)
	VMOVUPS      Y11, 32(DI)
	VZEROUPPER
	RET

overwrite:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    R8, DI
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	ADDQ    R8, DI
	VMOVUPS Y4, (DI)
	VMOVUPS Y5, 32(DI)
	ADDQ    R8, DI
	VMOVUPS Y6, (DI)
	VMOVUPS Y7, 32(DI)
	ADDQ    R8, DI
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, 32(DI)
	ADDQ    R8, DI
	VMOVUPS Y10, (DI)
	VMOVUPS Y11, 32(DI)
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
