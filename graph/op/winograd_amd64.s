//go:build !purego

#include "textflag.h"

// ROWT loads an input row of 8 tiles, 4 side by side at pa and 4 at pb
// (tile i's patch row is pa[2i:2i+4], tile 4+i's pb[2i:2i+4]; 8 tiles
// side by side: pb = pa+8) and leaves d·B of it, column j of each
// tile's transformed row in Tj: T0 = c0-c2, T1 = c1+c2, T2 = c2-c1,
// T3 = c1-c3, where cj is the vector of the tiles' entries j, gathered
// from the even and odd elements of pa[j&2:] and pb[j&2:].
#define ROWT(pa, pb, T0, T1, T2, T3, U0, U1) \
	VMOVUPS (pa), U0              \
	VMOVUPS (pb), U1              \
	VSHUFPS $0x88, U1, U0, T0     \
	VSHUFPS $0xDD, U1, U0, T1     \
	VMOVUPS 8(pa), U0             \
	VMOVUPS 8(pb), U1             \
	VSHUFPS $0x88, U1, U0, T2     \
	VSHUFPS $0xDD, U1, U0, T3     \
	VPERMPD $0xD8, T0, T0         \
	VPERMPD $0xD8, T1, T1         \
	VPERMPD $0xD8, T2, T2         \
	VPERMPD $0xD8, T3, T3         \
	VSUBPS  T2, T0, T0            \
	VSUBPS  T3, T1, T3            \
	VADDPS  T2, T1, U0            \
	VSUBPS  T1, T2, T2            \
	VMOVAPS U0, T1

// func winogradInput8(xa, xb *float32, w int, v *float32, stride int)
//
// V = Bᵀ d B of 8 tiles of one channel, 4 consecutive ones at xa and 4
// at xb: xa and xb are the top left of the first tile's 4×4 patch of
// each 4 in a plane of row stride w; the 4 rows of 10 elements under
// each 4 patches are read. Entry ξ of tile i goes to v[ξ*stride + i].
TEXT ·winogradInput8(SB), NOSPLIT, $0-40
	MOVQ xa+0(FP), SI
	MOVQ xb+8(FP), R13
	MOVQ w+16(FP), BX
	SHLQ $2, BX
	MOVQ v+24(FP), DI
	MOVQ stride+32(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9   // 3 strides
	LEAQ (DI)(R8*4), R10  // ξ = 4
	LEAQ (R10)(R8*4), R11 // ξ = 8
	LEAQ (R11)(R8*4), R12 // ξ = 12
	LEAQ (SI)(BX*1), AX   // row 1
	LEAQ (SI)(BX*2), CX   // row 2
	LEAQ (CX)(BX*1), DX   // row 3
	LEAQ (R13)(BX*1), R14 // row 1 at xb
	LEAQ (R13)(BX*2), R15 // row 2 at xb

	ROWT(AX, R14, Y0, Y1, Y2, Y3, Y12, Y13)
	ROWT(CX, R15, Y4, Y5, Y6, Y7, Y12, Y13)

	// Row 1 of V: row 1 + row 2; row 2 of V: row 2 - row 1.
	VADDPS  Y4, Y0, Y8
	VADDPS  Y5, Y1, Y9
	VADDPS  Y6, Y2, Y10
	VADDPS  Y7, Y3, Y11
	VMOVUPS Y8, (R10)
	VMOVUPS Y9, (R10)(R8*1)
	VMOVUPS Y10, (R10)(R8*2)
	VMOVUPS Y11, (R10)(R9*1)
	VSUBPS  Y0, Y4, Y8
	VSUBPS  Y1, Y5, Y9
	VSUBPS  Y2, Y6, Y10
	VSUBPS  Y3, Y7, Y11
	VMOVUPS Y8, (R11)
	VMOVUPS Y9, (R11)(R8*1)
	VMOVUPS Y10, (R11)(R8*2)
	VMOVUPS Y11, (R11)(R9*1)

	// Row 0 of V: row 0 - row 2.
	ROWT(SI, R13, Y8, Y9, Y10, Y11, Y12, Y13)
	VSUBPS  Y4, Y8, Y8
	VSUBPS  Y5, Y9, Y9
	VSUBPS  Y6, Y10, Y10
	VSUBPS  Y7, Y11, Y11
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(R8*1)
	VMOVUPS Y10, (DI)(R8*2)
	VMOVUPS Y11, (DI)(R9*1)

	// Row 3 of V: row 1 - row 3.
	ADDQ BX, R15 // row 3 at xb
	ROWT(DX, R15, Y8, Y9, Y10, Y11, Y12, Y13)
	VSUBPS  Y8, Y0, Y8
	VSUBPS  Y9, Y1, Y9
	VSUBPS  Y10, Y2, Y10
	VSUBPS  Y11, Y3, Y11
	VMOVUPS Y8, (R12)
	VMOVUPS Y9, (R12)(R8*1)
	VMOVUPS Y10, (R12)(R8*2)
	VMOVUPS Y11, (R12)(R9*1)

	VZEROUPPER
	RET

// ATCOL loads column j of the 8 tiles' M (entries ξ = j, 4+j, 8+j, 12+j
// at p, p+4s, p+8s, p+12s, s = R8 bytes) and leaves Aᵀ m of it:
// A = m0+m1+m2, B = m1-m2-m3.
#define ATCOL(p, A, B, U0, U1) \
	VMOVUPS (p), A              \
	VMOVUPS (p)(R8*4), U0       \
	VMOVUPS (p)(R9*1), U1       \
	VMOVUPS (p)(R10*1), B       \
	VADDPS  U0, A, A            \
	VADDPS  U1, A, A            \
	VSUBPS  U1, U0, U0          \
	VSUBPS  B, U0, B

// func winogradOutput8(m *float32, stride int, ya, yb *float32, ow int, bias float32)
//
// Y = Aᵀ m A + bias of 8 tiles of one output channel, entry ξ of tile i
// being m[ξ*stride + i]: tiles 0-3 to rows ya[0:8] and ya[ow:ow+8],
// tiles 4-7 to yb[0:8] and yb[ow:ow+8] (8 tiles side by side: yb =
// ya+8).
TEXT ·winogradOutput8(SB), NOSPLIT, $0-44
	MOVQ         m+0(FP), SI
	MOVQ         stride+8(FP), R8
	SHLQ         $2, R8
	MOVQ         ya+16(FP), DI
	MOVQ         yb+24(FP), DX
	MOVQ         ow+32(FP), BX
	SHLQ         $2, BX
	VBROADCASTSS bias+40(FP), Y15
	MOVQ         R8, R9
	SHLQ         $3, R9          // 8 strides
	LEAQ         (R9)(R8*4), R10 // 12 strides
	MOVQ         SI, AX
	ATCOL(AX, Y0, Y1, Y12, Y13)
	ADDQ         R8, AX
	ATCOL(AX, Y2, Y3, Y12, Y13)
	ADDQ         R8, AX
	ATCOL(AX, Y4, Y5, Y12, Y13)
	ADDQ         R8, AX
	ATCOL(AX, Y6, Y7, Y12, Y13)

	// Along the rows: y0 = a0+a1+a2, y1 = a1-a2-a3, plus the bias.
	VADDPS Y2, Y0, Y8
	VADDPS Y4, Y8, Y8
	VADDPS Y15, Y8, Y8
	VSUBPS Y4, Y2, Y9
	VSUBPS Y6, Y9, Y9
	VADDPS Y15, Y9, Y9
	VADDPS Y3, Y1, Y10
	VADDPS Y5, Y10, Y10
	VADDPS Y15, Y10, Y10
	VSUBPS Y5, Y3, Y11
	VSUBPS Y7, Y11, Y11
	VADDPS Y15, Y11, Y11

	// Interleave the tiles' two columns: y0[i], y1[i] at 2i.
	VUNPCKLPS  Y9, Y8, Y12
	VUNPCKHPS  Y9, Y8, Y13
	VPERM2F128 $0x20, Y13, Y12, Y0
	VPERM2F128 $0x31, Y13, Y12, Y1
	VMOVUPS    Y0, (DI)
	VMOVUPS    Y1, (DX)
	VUNPCKLPS  Y11, Y10, Y12
	VUNPCKHPS  Y11, Y10, Y13
	VPERM2F128 $0x20, Y13, Y12, Y0
	VPERM2F128 $0x31, Y13, Y12, Y1
	VMOVUPS    Y0, (DI)(BX*1)
	VMOVUPS    Y1, (DX)(BX*1)

	VZEROUPPER
	RET
