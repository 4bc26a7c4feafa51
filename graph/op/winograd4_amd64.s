//go:build !purego

#include "textflag.h"

// The F(4×4,3×3) transforms of 8 tiles side by side (winograd4.go), in
// the order of operations of the scalar bt6 and at6, so that both give
// the same bits.

// BT6 computes Bᵀ (Y0, …, Y5) = (d0, …, d5) and stores the 6 results
// to o0 … o5: with e = d3-d1, c = d4-d2, u = c+1.5d3, w = 1.5d2+e,
// d0+d4-2d2+1.5e, u+w, u-w, c+2e, c-0.5e, d1+d5-2d3+1.5c. Y15 holds 1.5
// and Y14 0.5; it uses Y6 to Y9.
#define BT6(o0, o1, o2, o3, o4, o5) \
	VSUBPS  Y1, Y3, Y6  \
	VSUBPS  Y2, Y4, Y7  \
	VADDPS  Y4, Y0, Y8  \
	VADDPS  Y2, Y2, Y9  \
	VSUBPS  Y9, Y8, Y8  \
	VMULPS  Y15, Y6, Y9 \
	VADDPS  Y9, Y8, Y8  \
	VMOVUPS Y8, o0      \
	VADDPS  Y5, Y1, Y8  \
	VADDPS  Y3, Y3, Y9  \
	VSUBPS  Y9, Y8, Y8  \
	VMULPS  Y15, Y7, Y9 \
	VADDPS  Y9, Y8, Y8  \
	VMOVUPS Y8, o5      \
	VADDPS  Y6, Y6, Y8  \
	VADDPS  Y8, Y7, Y8  \
	VMOVUPS Y8, o3      \
	VMULPS  Y14, Y6, Y8 \
	VSUBPS  Y8, Y7, Y8  \
	VMOVUPS Y8, o4      \
	VMULPS  Y15, Y3, Y8 \
	VADDPS  Y8, Y7, Y8  \
	VMULPS  Y15, Y2, Y9 \
	VADDPS  Y6, Y9, Y9  \
	VADDPS  Y9, Y8, Y6  \
	VSUBPS  Y9, Y8, Y7  \
	VMOVUPS Y6, o1      \
	VMOVUPS Y7, o2

// TILES loads, from a row of 8 tiles' entries at R (tile i's 4 entries
// at 16i bytes, tile 4+i's at 96+16i), the vector of tiles 0-3 | 4-7
// starting at byte off.
#define TILES(R, off, Y, X) \
	VMOVUPS     off(R), X \
	VINSERTF128 $1, off+96(R), Y, Y

// func winograd4Input8(xa, xb *float32, w int, v *float32, stride int, tmp *float32)
//
// V = Bᵀ d B of 8 tiles of one channel, 4 consecutive ones at xa and 4
// at xb (8 consecutive tiles: xb = xa+16): xa and xb are the top left of
// the first tile's 6×6 patch of each 4 in a strip of row stride w; 6
// rows of 24 elements are read at each (18 used). Entry ξ of tile i goes
// to v[ξ*stride + i]. tmp holds 288 floats.
TEXT ·winograd4Input8(SB), NOSPLIT, $0-48
	MOVQ         xa+0(FP), SI
	MOVQ         xb+8(FP), R14
	MOVQ         w+16(FP), BX
	SHLQ         $2, BX
	MOVQ         v+24(FP), DI
	MOVQ         stride+32(FP), R8
	SHLQ         $2, R8
	MOVQ         tmp+40(FP), DX
	MOVL         $0x3FC00000, AX // 1.5
	VMOVD        AX, X15
	VBROADCASTSS X15, Y15
	MOVL         $0x3F000000, AX // 0.5
	VMOVD        AX, X14
	VBROADCASTSS X14, Y14
	LEAQ         (BX)(BX*2), R9  // 3 rows
	LEAQ         (BX)(BX*4), R10 // 5 rows

	// Bᵀ d down the columns: 3 blocks of 8 columns at xa, then 3 at xb,
	// row q of the result to tmp[48q:].
	MOVQ DX, R13
	MOVQ $6, CX

cols:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(BX*1), Y1
	VMOVUPS (SI)(BX*2), Y2
	VMOVUPS (SI)(R9*1), Y3
	VMOVUPS (SI)(BX*4), Y4
	VMOVUPS (SI)(R10*1), Y5
	BT6((R13), 192(R13), 384(R13), 576(R13), 768(R13), 960(R13))
	ADDQ    $32, SI
	ADDQ    $32, R13
	CMPQ    CX, $4
	JNE     nextcol
	MOVQ    R14, SI // 3 blocks done: xb's

nextcol:
	DECQ CX
	JNZ  cols

	// Along the rows of each: entries j of the 8 tiles gathered into
	// Y0 … Y5 (4×4 transposes of tiles 0-3 | 4-7; entries 4 and 5 are
	// entries 0 and 1 of the next tile), then Bᵀ of them.
	LEAQ (R8)(R8*2), R11 // 3 strides
	LEAQ (R8)(R8*4), R12 // 5 strides
	LEAQ (R11)(R11*1), R13 // 6 strides
	MOVQ $6, CX

rows:
	TILES(DX, 0, Y6, X6)
	TILES(DX, 16, Y7, X7)
	TILES(DX, 32, Y8, X8)
	TILES(DX, 48, Y9, X9)
	TILES(DX, 64, Y10, X10)
	VUNPCKLPS Y8, Y7, Y11
	VUNPCKLPS Y10, Y9, Y12
	VUNPCKLPD Y12, Y11, Y4
	VUNPCKHPD Y12, Y11, Y5
	VUNPCKLPS Y7, Y6, Y11
	VUNPCKHPS Y7, Y6, Y12
	VUNPCKLPS Y9, Y8, Y10
	VUNPCKHPS Y9, Y8, Y6
	VUNPCKLPD Y10, Y11, Y0
	VUNPCKHPD Y10, Y11, Y1
	VUNPCKLPD Y6, Y12, Y2
	VUNPCKHPD Y6, Y12, Y3
	BT6((DI), (DI)(R8*1), (DI)(R8*2), (DI)(R11*1), (DI)(R8*4), (DI)(R12*1))
	ADDQ      $192, DX
	ADDQ      R13, DI
	DECQ      CX
	JNZ       rows

	VZEROUPPER
	RET

// 8 copies of 0.5, 0.25, 0.125, 4 and 8.
DATA w4c<>+0(SB)/8, $0x3F0000003F000000
DATA w4c<>+8(SB)/8, $0x3F0000003F000000
DATA w4c<>+16(SB)/8, $0x3F0000003F000000
DATA w4c<>+24(SB)/8, $0x3F0000003F000000
DATA w4c<>+32(SB)/8, $0x3E8000003E800000
DATA w4c<>+40(SB)/8, $0x3E8000003E800000
DATA w4c<>+48(SB)/8, $0x3E8000003E800000
DATA w4c<>+56(SB)/8, $0x3E8000003E800000
DATA w4c<>+64(SB)/8, $0x3E0000003E000000
DATA w4c<>+72(SB)/8, $0x3E0000003E000000
DATA w4c<>+80(SB)/8, $0x3E0000003E000000
DATA w4c<>+88(SB)/8, $0x3E0000003E000000
DATA w4c<>+96(SB)/8, $0x4080000040800000
DATA w4c<>+104(SB)/8, $0x4080000040800000
DATA w4c<>+112(SB)/8, $0x4080000040800000
DATA w4c<>+120(SB)/8, $0x4080000040800000
DATA w4c<>+128(SB)/8, $0x4100000041000000
DATA w4c<>+136(SB)/8, $0x4100000041000000
DATA w4c<>+144(SB)/8, $0x4100000041000000
DATA w4c<>+152(SB)/8, $0x4100000041000000
GLOBL w4c<>(SB), RODATA|NOPTR, $160

// AT6 computes Aᵀ (Y0, …, Y5) = (m0, …, m5): with s = m1+m2,
// d = m1-m2, m0+s+m3+m4 into Y0, d+0.5m3-2m4 into Y8, s+0.25m3+4m4 into
// Y6, d+0.125m3-8m4+m5 into Y9; it uses Y7.
#define AT6 \
	VADDPS Y2, Y1, Y6          \
	VSUBPS Y2, Y1, Y7          \
	VADDPS Y6, Y0, Y0          \
	VADDPS Y3, Y0, Y0          \
	VADDPS Y4, Y0, Y0          \
	VMULPS w4c<>+0(SB), Y3, Y8 \
	VADDPS Y8, Y7, Y8          \
	VADDPS Y4, Y4, Y9          \
	VSUBPS Y9, Y8, Y8          \
	VMULPS w4c<>+32(SB), Y3, Y9 \
	VADDPS Y9, Y6, Y6          \
	VMULPS w4c<>+96(SB), Y4, Y9 \
	VADDPS Y9, Y6, Y6          \
	VMULPS w4c<>+64(SB), Y3, Y9 \
	VADDPS Y9, Y7, Y7          \
	VMULPS w4c<>+128(SB), Y4, Y9 \
	VSUBPS Y9, Y7, Y7          \
	VADDPS Y5, Y7, Y9

// func winograd4Output8(m *float32, stride int, ya, yb *float32, ow int, bias float32, rows int, tmp *float32)
//
// Y = Aᵀ m A + bias of 8 tiles of one output channel, entry ξ of tile i
// being m[ξ*stride + i]: tiles 0-3 to rows ya[0:16], ya[ow:ow+16], …,
// tiles 4-7 to yb[0:16], yb[ow:ow+16], … (8 consecutive tiles: yb =
// ya+16), of the first rows (1 to 4) output rows. tmp holds 192 floats.
TEXT ·winograd4Output8(SB), NOSPLIT, $0-64
	MOVQ         m+0(FP), SI
	MOVQ         stride+8(FP), R8
	SHLQ         $2, R8
	MOVQ         ya+16(FP), DI
	MOVQ         yb+24(FP), R14
	MOVQ         ow+32(FP), BX
	SHLQ         $2, BX
	VBROADCASTSS bias+40(FP), Y13
	MOVQ         tmp+56(FP), DX
	LEAQ         (R8)(R8*2), R9   // 3 strides
	SHLQ         $1, R9           // 6
	LEAQ         (R9)(R9*1), R10  // 12
	LEAQ         (R10)(R9*1), R11 // 18
	LEAQ         (R10)(R10*1), R12 // 24
	LEAQ         (R12)(R9*1), AX  // 30

	// Aᵀ m down the columns: column j of the result rows q to
	// tmp[8(6q+j):].
	MOVQ DX, R13
	MOVQ $6, CX

cols:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R9*1), Y1
	VMOVUPS (SI)(R10*1), Y2
	VMOVUPS (SI)(R11*1), Y3
	VMOVUPS (SI)(R12*1), Y4
	VMOVUPS (SI)(AX*1), Y5
	AT6
	VMOVUPS Y0, (R13)
	VMOVUPS Y8, 192(R13)
	VMOVUPS Y6, 384(R13)
	VMOVUPS Y9, 576(R13)
	ADDQ    R8, SI
	ADDQ    $32, R13
	DECQ    CX
	JNZ     cols
	MOVQ    rows+48(FP), CX

	// Along the rows, plus the bias; the 8 tiles' 4 columns transposed
	// into each tile's 4 outputs side by side.
rows:
	VMOVUPS    (DX), Y0
	VMOVUPS    32(DX), Y1
	VMOVUPS    64(DX), Y2
	VMOVUPS    96(DX), Y3
	VMOVUPS    128(DX), Y4
	VMOVUPS    160(DX), Y5
	AT6
	VADDPS     Y13, Y0, Y0
	VADDPS     Y13, Y8, Y8
	VADDPS     Y13, Y6, Y6
	VADDPS     Y13, Y9, Y9
	VUNPCKLPS  Y8, Y0, Y10
	VUNPCKHPS  Y8, Y0, Y11
	VUNPCKLPS  Y9, Y6, Y12
	VUNPCKHPS  Y9, Y6, Y1
	VUNPCKLPD  Y12, Y10, Y2
	VUNPCKHPD  Y12, Y10, Y3
	VUNPCKLPD  Y1, Y11, Y4
	VUNPCKHPD  Y1, Y11, Y5
	VPERM2F128 $0x20, Y3, Y2, Y6
	VPERM2F128 $0x20, Y5, Y4, Y7
	VPERM2F128 $0x31, Y3, Y2, Y8
	VPERM2F128 $0x31, Y5, Y4, Y9
	VMOVUPS    Y6, (DI)
	VMOVUPS    Y7, 32(DI)
	VMOVUPS    Y8, (R14)
	VMOVUPS    Y9, 32(R14)
	ADDQ       $192, DX
	ADDQ       BX, DI
	ADDQ       BX, R14
	DECQ       CX
	JNZ        rows

	VZEROUPPER
	RET
