//go:build !purego

#include "textflag.h"

// TRANSPOSE8 transposes the 8×8 block in Y0-Y7 (row r in Yr) into
// Y8-Y15 (column c in Y(8+c)), with Y0-Y7 as temporaries: rows a, b
// interleave into a0 b0 a1 b1 | a4 b4 a5 b5 (and the high halves),
// pairs of those shuffle into a0 b0 c0 d0 | a4 b4 c4 d4, and the 128-bit
// lanes of two such combine into a column, a0 .. h0.
#define TRANSPOSE8 \
	VUNPCKLPS  Y1, Y0, Y8          \
	VUNPCKHPS  Y1, Y0, Y9          \
	VUNPCKLPS  Y3, Y2, Y10         \
	VUNPCKHPS  Y3, Y2, Y11         \
	VUNPCKLPS  Y5, Y4, Y12         \
	VUNPCKHPS  Y5, Y4, Y13         \
	VUNPCKLPS  Y7, Y6, Y14         \
	VUNPCKHPS  Y7, Y6, Y15         \
	VSHUFPS    $0x44, Y10, Y8, Y0  \
	VSHUFPS    $0xEE, Y10, Y8, Y1  \
	VSHUFPS    $0x44, Y11, Y9, Y2  \
	VSHUFPS    $0xEE, Y11, Y9, Y3  \
	VSHUFPS    $0x44, Y14, Y12, Y4 \
	VSHUFPS    $0xEE, Y14, Y12, Y5 \
	VSHUFPS    $0x44, Y15, Y13, Y6 \
	VSHUFPS    $0xEE, Y15, Y13, Y7 \
	VPERM2F128 $0x20, Y4, Y0, Y8   \
	VPERM2F128 $0x20, Y5, Y1, Y9   \
	VPERM2F128 $0x20, Y6, Y2, Y10  \
	VPERM2F128 $0x20, Y7, Y3, Y11  \
	VPERM2F128 $0x31, Y4, Y0, Y12  \
	VPERM2F128 $0x31, Y5, Y1, Y13  \
	VPERM2F128 $0x31, Y6, Y2, Y14  \
	VPERM2F128 $0x31, Y7, Y3, Y15

// LOAD8 loads eight rows, base and base+4 rows, row stride R8 (R9 = 3·R8).
#define LOAD8(lo, hi) \
	VMOVUPS (lo), Y0         \
	VMOVUPS (lo)(R8*1), Y1   \
	VMOVUPS (lo)(R8*2), Y2   \
	VMOVUPS (lo)(R9*1), Y3   \
	VMOVUPS (hi), Y4         \
	VMOVUPS (hi)(R8*1), Y5   \
	VMOVUPS (hi)(R8*2), Y6   \
	VMOVUPS (hi)(R9*1), Y7

// STORE8 stores column c of the block at off bytes past row c of dst,
// rows R13 bytes apart from DI (R14 = 3·R13, DX = DI + 4 rows).
#define STORE8(off) \
	VMOVUPS Y8, off(DI)          \
	VMOVUPS Y9, off(DI)(R13*1)   \
	VMOVUPS Y10, off(DI)(R13*2)  \
	VMOVUPS Y11, off(DI)(R14*1)  \
	VMOVUPS Y12, off(DX)         \
	VMOVUPS Y13, off(DX)(R13*1)  \
	VMOVUPS Y14, off(DX)(R13*2)  \
	VMOVUPS Y15, off(DX)(R14*1)

// func transpose16AVX2(x *float32, ld, k8 int, dst *float32, ldd int)
//
// dst[p·ldd+q] = x[q·ld+p] for q < 16 and p < 8·k8: per eight columns of
// x, two 8×8 transposes (rows 0-7 and 8-15).
TEXT ·transpose16AVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), SI
	MOVQ ld+8(FP), R8
	SHLQ $2, R8
	MOVQ k8+16(FP), CX
	MOVQ dst+24(FP), DI
	MOVQ ldd+32(FP), R13
	SHLQ $2, R13
	LEAQ (R8)(R8*2), R9
	LEAQ (SI)(R8*4), R10  // row 4
	LEAQ (SI)(R8*8), R11  // row 8
	LEAQ (R11)(R8*4), R12 // row 12
	LEAQ (R13)(R13*2), R14
	LEAQ (DI)(R13*4), DX  // dst row 4
	MOVQ R13, R15
	SHLQ $3, R15          // eight dst rows

	TESTQ CX, CX
	JZ    done

loop:
	LOAD8(SI, R10)
	TRANSPOSE8
	STORE8(0)
	LOAD8(R11, R12)
	TRANSPOSE8
	STORE8(32)
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ R15, DI
	ADDQ R15, DX
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
