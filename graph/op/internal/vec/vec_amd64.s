//go:build !purego

#include "textflag.h"

// func addAVX2(n int, dst, x, y *float32)
//
// dst[i] = x[i] + y[i] for i < n: 32 elements a round (every load of a
// round before its stores, so dst may be x or y), then 8, then one.
TEXT ·addAVX2(SB), NOSPLIT, $0-32
	MOVQ n+0(FP), CX
	MOVQ dst+8(FP), DI
	MOVQ x+16(FP), SI
	MOVQ y+24(FP), DX

loop32:
	CMPQ    CX, $32
	JL      loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VADDPS  (DX), Y0, Y0
	VADDPS  32(DX), Y1, Y1
	VADDPS  64(DX), Y2, Y2
	VADDPS  96(DX), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DX
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     loop32

loop8:
	CMPQ    CX, $8
	JL      tail
	VMOVUPS (SI), Y0
	VADDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     loop8

tail:
	TESTQ  CX, CX
	JZ     done
	VMOVSS (SI), X0
	VADDSS (DX), X0, X0
	VMOVSS X0, (DI)
	ADDQ   $4, SI
	ADDQ   $4, DX
	ADDQ   $4, DI
	DECQ   CX
	JMP    tail

done:
	VZEROUPPER
	RET

// func scaleShiftAVX2(n int, dst, x *float32, a, b float32)
//
// dst[i] = a·x[i] + b, 8 elements a round (n a multiple of 8).
TEXT ·scaleShiftAVX2(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	MOVQ         dst+8(FP), DI
	MOVQ         x+16(FP), SI
	VBROADCASTSS a+24(FP), Y14
	VBROADCASTSS b+28(FP), Y15

ss16:
	CMPQ        CX, $16
	JL          ss8
	VMOVUPS     (SI), Y0
	VMOVUPS     32(SI), Y1
	VFMADD213PS Y15, Y14, Y0
	VFMADD213PS Y15, Y14, Y1
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, 32(DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $16, CX
	JMP         ss16

ss8:
	TESTQ       CX, CX
	JZ          ssdone
	VMOVUPS     (SI), Y0
	VFMADD213PS Y15, Y14, Y0
	VMOVUPS     Y0, (DI)

ssdone:
	VZEROUPPER
	RET

// func linCombAVX2(n int, dst, x, y *float32, a, b, m, c float32)
//
// dst[i] = a·x[i] + b·(y[i] - m) + c, 8 elements a round (n a multiple
// of 8).
TEXT ·linCombAVX2(SB), NOSPLIT, $0-48
	MOVQ         n+0(FP), CX
	MOVQ         dst+8(FP), DI
	MOVQ         x+16(FP), SI
	MOVQ         y+24(FP), DX
	VBROADCASTSS a+32(FP), Y13
	VBROADCASTSS b+36(FP), Y14
	VBROADCASTSS m+40(FP), Y12
	VBROADCASTSS c+44(FP), Y15

lc8:
	TESTQ       CX, CX
	JZ          lcdone
	VMOVUPS     (SI), Y0
	VMOVUPS     (DX), Y1
	VSUBPS      Y12, Y1, Y1
	VFMADD213PS Y15, Y13, Y0
	VFMADD231PS Y1, Y14, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         lc8

lcdone:
	VZEROUPPER
	RET

// hsum adds the four float64 lanes of Y8 into X8's low lane.
#define HSUM \
	VEXTRACTF128 $1, Y8, X9; \
	VADDPD       X9, X8, X8; \
	VPERMILPD    $1, X8, X9; \
	VADDSD       X9, X8, X8

// func sumAVX2(n int, x *float32) float64
//
// The sum in float64 of x[:n] (n a multiple of 8), in eight lanes.
TEXT ·sumAVX2(SB), NOSPLIT, $0-24
	MOVQ   n+0(FP), CX
	MOVQ   x+8(FP), SI
	VXORPD Y8, Y8, Y8
	VXORPD Y10, Y10, Y10

su8:
	TESTQ     CX, CX
	JZ        sudone
	VCVTPS2PD (SI), Y0
	VCVTPS2PD 16(SI), Y1
	VADDPD    Y0, Y8, Y8
	VADDPD    Y1, Y10, Y10
	ADDQ      $32, SI
	SUBQ      $8, CX
	JMP       su8

sudone:
	VADDPD Y10, Y8, Y8
	HSUM
	VMOVSD X8, ret+16(FP)
	VZEROUPPER
	RET

// func sumSqDevAVX2(n int, x *float32, mean float64) float64
//
// The sum in float64 of (x[i] - mean)² over x[:n] (n a multiple of 8).
TEXT ·sumSqDevAVX2(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	MOVQ         x+8(FP), SI
	VBROADCASTSD mean+16(FP), Y15
	VXORPD       Y8, Y8, Y8
	VXORPD       Y10, Y10, Y10

sq8:
	TESTQ       CX, CX
	JZ          sqdone
	VCVTPS2PD   (SI), Y0
	VCVTPS2PD   16(SI), Y1
	VSUBPD      Y15, Y0, Y0
	VSUBPD      Y15, Y1, Y1
	VFMADD231PD Y0, Y0, Y8
	VFMADD231PD Y1, Y1, Y10
	ADDQ        $32, SI
	SUBQ        $8, CX
	JMP         sq8

sqdone:
	VADDPD Y10, Y8, Y8
	HSUM
	VMOVSD X8, ret+24(FP)
	VZEROUPPER
	RET

// func sumDyDevAVX2(n int, x, dy *float32, mean float64) (sd, sdx float64)
//
// The sums in float64 of dy[i] and of dy[i]·(x[i] - mean) over i < n (n a
// multiple of 8).
TEXT ·sumDyDevAVX2(SB), NOSPLIT, $0-48
	MOVQ         n+0(FP), CX
	MOVQ         x+8(FP), SI
	MOVQ         dy+16(FP), DX
	VBROADCASTSD mean+24(FP), Y15
	VXORPD       Y8, Y8, Y8
	VXORPD       Y10, Y10, Y10
	VXORPD       Y11, Y11, Y11
	VXORPD       Y12, Y12, Y12

dd8:
	TESTQ       CX, CX
	JZ          dddone
	VCVTPS2PD   (SI), Y0
	VCVTPS2PD   16(SI), Y1
	VCVTPS2PD   (DX), Y2
	VCVTPS2PD   16(DX), Y3
	VSUBPD      Y15, Y0, Y0
	VSUBPD      Y15, Y1, Y1
	VADDPD      Y2, Y8, Y8
	VADDPD      Y3, Y10, Y10
	VFMADD231PD Y2, Y0, Y11
	VFMADD231PD Y3, Y1, Y12
	ADDQ        $32, SI
	ADDQ        $32, DX
	SUBQ        $8, CX
	JMP         dd8

dddone:
	VADDPD Y10, Y8, Y8
	HSUM
	VMOVSD X8, sd+32(FP)
	VADDPD Y12, Y11, Y8
	HSUM
	VMOVSD X8, sdx+40(FP)
	VZEROUPPER
	RET

// func addRowsAVX2(rows, width int, dst *float32, dpitch int, src *float32, spitch int)
//
// dst[r·dpitch+t] += src[r·spitch+t] for r < rows, t < width: 8
// elements a step, then 4, then one.
TEXT ·addRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ rows+0(FP), R8
	MOVQ width+8(FP), R9
	MOVQ dst+16(FP), DI
	MOVQ dpitch+24(FP), R10
	SHLQ $2, R10
	MOVQ src+32(FP), SI
	MOVQ spitch+40(FP), R11
	SHLQ $2, R11

arrow:
	TESTQ R8, R8
	JZ    ardone
	MOVQ  R9, CX
	MOVQ  DI, AX
	MOVQ  SI, BX

ar8:
	CMPQ    CX, $8
	JL      ar4
	VMOVUPS (BX), Y0
	VADDPS  (AX), Y0, Y0
	VMOVUPS Y0, (AX)
	ADDQ    $32, AX
	ADDQ    $32, BX
	SUBQ    $8, CX
	JMP     ar8

ar4:
	CMPQ    CX, $4
	JL      ar1
	VMOVUPS (BX), X0
	VADDPS  (AX), X0, X0
	VMOVUPS X0, (AX)
	ADDQ    $16, AX
	ADDQ    $16, BX
	SUBQ    $4, CX

ar1:
	TESTQ  CX, CX
	JZ     arnext
	VMOVSS (BX), X0
	VADDSS (AX), X0, X0
	VMOVSS X0, (AX)
	ADDQ   $4, AX
	ADDQ   $4, BX
	DECQ   CX
	JMP    ar1

arnext:
	ADDQ R10, DI
	ADDQ R11, SI
	DECQ R8
	JMP  arrow

ardone:
	VZEROUPPER
	RET

// func maxPool2x2AVX2(n int, top, bot, out *float32, idx *int32, offs *int32, base, w int32)
//
// For windows j < n (n a multiple of 8) of the row pair top/bot:
// out[j] = the first maximum of top[2j], top[2j+1], bot[2j], bot[2j+1],
// or the last NaN, and idx[j] = base + its offset (2j, 2j+1, w+2j,
// w+2j+1); offs holds 0, 2, ..., 14. Each window's four values come from
// two shuffles per row (even and odd elements), put back in window order
// by a permutation of 64-bit pairs; a candidate replaces the best when it
// is greater or NaN, as the scalar reference.
TEXT ·maxPool2x2AVX2(SB), NOSPLIT, $0-56
	MOVQ         n+0(FP), CX
	MOVQ         top+8(FP), SI
	MOVQ         bot+16(FP), DX
	MOVQ         out+24(FP), DI
	MOVQ         idx+32(FP), R8
	MOVQ         offs+40(FP), AX
	MOVL         base+48(FP), R9
	VMOVD        R9, X12
	VPBROADCASTD X12, Y12
	VPADDD       (AX), Y12, Y12
	MOVL         w+52(FP), R9
	VMOVD        R9, X13
	VPBROADCASTD X13, Y13
	MOVL         $1, R9
	VMOVD        R9, X14
	VPBROADCASTD X14, Y14
	MOVL         $16, R9
	VMOVD        R9, X15
	VPBROADCASTD X15, Y15

mploop:
	TESTQ   CX, CX
	JZ      mpdone
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (DX), Y2
	VMOVUPS 32(DX), Y3
	VSHUFPS $0x88, Y1, Y0, Y4
	VSHUFPS $0xDD, Y1, Y0, Y5
	VSHUFPS $0x88, Y3, Y2, Y6
	VSHUFPS $0xDD, Y3, Y2, Y7
	VPERMPD $0xD8, Y4, Y4
	VPERMPD $0xD8, Y5, Y5
	VPERMPD $0xD8, Y6, Y6
	VPERMPD $0xD8, Y7, Y7
	VMOVDQU Y12, Y8

	// top right
	VPADDD    Y14, Y12, Y9
	VCMPPS    $0x1E, Y4, Y5, Y10
	VCMPPS    $0x03, Y5, Y5, Y11
	VORPS     Y11, Y10, Y10
	VBLENDVPS Y10, Y5, Y4, Y4
	VBLENDVPS Y10, Y9, Y8, Y8

	// bottom left
	VPADDD    Y13, Y12, Y9
	VCMPPS    $0x1E, Y4, Y6, Y10
	VCMPPS    $0x03, Y6, Y6, Y11
	VORPS     Y11, Y10, Y10
	VBLENDVPS Y10, Y6, Y4, Y4
	VBLENDVPS Y10, Y9, Y8, Y8

	// bottom right
	VPADDD    Y14, Y9, Y9
	VCMPPS    $0x1E, Y4, Y7, Y10
	VCMPPS    $0x03, Y7, Y7, Y11
	VORPS     Y11, Y10, Y10
	VBLENDVPS Y10, Y7, Y4, Y4
	VBLENDVPS Y10, Y9, Y8, Y8

	VMOVUPS Y4, (DI)
	VMOVDQU Y8, (R8)
	VPADDD  Y15, Y12, Y12
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $32, DI
	ADDQ    $32, R8
	SUBQ    $8, CX
	JMP     mploop

mpdone:
	VZEROUPPER
	RET

// GOMAX sets A = max(A, B) as Go's max, to the bit: the AND of both
// operand orders of VMAXPS (+0 where A and B are zeros of opposite
// signs), the NaN 0x7fc00000 (Y15) where either is NaN. T and U are scratch.
#define GOMAX(A, B, T, U) \
	VMAXPS    A, B, T     \
	VMAXPS    B, A, U     \
	VANDPS    T, U, U     \
	VCMPPS    $0x03, B, A, T \
	VBLENDVPS T, Y15, U, A

// func maxPool2x2ValuesAVX2(n int, top, bot, out *float32)
//
// out[j] = max(top[2j], top[2j+1], bot[2j], bot[2j+1]) as Go's max, for
// windows j < n (a multiple of 8): the maximum of the two rows, then of
// its even and odd elements (shuffles, then a permutation of 64-bit
// pairs back into window order).
TEXT ·maxPool2x2ValuesAVX2(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	MOVQ         top+8(FP), SI
	MOVQ         bot+16(FP), DX
	MOVQ         out+24(FP), DI
	MOVL         $0x7fc00000, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15

mvloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (DX), Y2
	VMOVUPS 32(DX), Y3
	GOMAX(Y0, Y2, Y4, Y5)
	GOMAX(Y1, Y3, Y4, Y5)
	VSHUFPS $0x88, Y1, Y0, Y6
	VSHUFPS $0xDD, Y1, Y0, Y7
	GOMAX(Y6, Y7, Y4, Y5)
	VPERMPD $0xD8, Y6, Y6
	VMOVUPS Y6, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     mvloop
	VZEROUPPER
	RET

// func maxRowPairsAVX2(rows, w int, x, dst *float32)
//
// dst[r*w+j] = max(x[2r*w+j], x[(2r+1)*w+j]) as Go's max, for r < rows
// and j < w (w >= 8): eight values a step, the last step of a row
// overlapping the one before it where w is not a multiple of 8.
TEXT ·maxRowPairsAVX2(SB), NOSPLIT, $0-32
	MOVQ         rows+0(FP), CX
	MOVQ         w+8(FP), BX
	MOVQ         x+16(FP), SI
	MOVQ         dst+24(FP), DI
	MOVL         $0x7fc00000, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	SHLQ         $2, BX        // row bytes
	LEAQ         -32(BX), R11  // offset of a row's last eight values
	LEAQ         (SI)(BX*1), R9 // the bottom row

rprow:
	XORQ R8, R8

rpvec:
	CMPQ    R8, R11
	JLE     rpload
	MOVQ    R11, R8

rpload:
	VMOVUPS (SI)(R8*1), Y0
	VMOVUPS (R9)(R8*1), Y1
	GOMAX(Y0, Y1, Y4, Y5)
	VMOVUPS Y0, (DI)(R8*1)
	CMPQ    R8, R11
	JEQ     rpnext
	ADDQ    $32, R8
	JMP     rpvec

rpnext:
	LEAQ (SI)(BX*2), SI
	LEAQ (R9)(BX*2), R9
	ADDQ BX, DI
	DECQ CX
	JNZ  rprow
	VZEROUPPER
	RET

// func reluAVX2(n int, dst, x *float32)
//
// dst[i] = max(x[i], 0) as Go's max: -0 becomes +0 (adding +0) and a
// NaN becomes Go's NaN, 0x7fc00000 (VMAXPS returns x when it is NaN; a
// blend on the unordered compare replaces it), 8 elements a round (n a
// multiple of 8).
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ         n+0(FP), CX
	MOVQ         dst+8(FP), DI
	MOVQ         x+16(FP), SI
	VXORPS       Y15, Y15, Y15
	MOVL         $0x7fc00000, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14

rf8:
	TESTQ     CX, CX
	JZ        rfdone
	VMOVUPS   (SI), Y0
	VCMPPS    $0x03, Y0, Y0, Y1
	VMAXPS    Y0, Y15, Y0
	VADDPS    Y15, Y0, Y0
	VBLENDVPS Y1, Y14, Y0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     rf8

rfdone:
	VZEROUPPER
	RET

// func reluGradAVX2(n int, dst, x, dy *float32)
//
// dst[i] = dy[i] where x[i]'s bits, read as an int32, are positive (x > 0
// or a NaN with the sign bit clear), else +0: an integer compare and a
// mask, 8 elements a round (n a multiple of 8).
TEXT ·reluGradAVX2(SB), NOSPLIT, $0-32
	MOVQ   n+0(FP), CX
	MOVQ   dst+8(FP), DI
	MOVQ   x+16(FP), SI
	MOVQ   dy+24(FP), DX
	VPXOR  Y15, Y15, Y15

rb8:
	TESTQ    CX, CX
	JZ       rbdone
	VMOVDQU  (SI), Y0
	VPCMPGTD Y15, Y0, Y0
	VPAND    (DX), Y0, Y0
	VMOVDQU  Y0, (DI)
	ADDQ     $32, SI
	ADDQ     $32, DX
	ADDQ     $32, DI
	SUBQ     $8, CX
	JMP      rb8

rbdone:
	VZEROUPPER
	RET

// func maxPoolAVX2(n int, x, out *float32, idx *int32, offs *int32, base int32, w, kh, kw, s int)
//
// For windows j < n (n a multiple of 8) of one output row of a kh×kw max
// pooling with column stride s (1 or 2): window j covers x[s·j + r·w +
// c] for r < kh, c < kw; out[j] is the first maximum in row-major order,
// or the last NaN, and idx[j] = base + that element's offset from x;
// offs holds 0, s, ..., 7s. Eight windows a round: each of their kh·kw
// candidates is one load (stride 1) or two loads, an even-element
// shuffle and a permutation of 64-bit pairs (stride 2); a candidate
// replaces the best when it is greater or NaN, as the scalar reference,
// and its offset r·w + c in the window replaces the best's (the window's
// start is added at the end). The best starts at -inf with offset 0,
// which the first element then replaces exactly where the reference
// starts from it (it is greater than -inf, or NaN; else it is -inf
// itself).
TEXT ·maxPoolAVX2(SB), NOSPLIT, $0-80
	MOVQ         n+0(FP), CX
	MOVQ         x+8(FP), SI
	MOVQ         out+16(FP), DI
	MOVQ         idx+24(FP), R8
	MOVQ         offs+32(FP), AX
	MOVL         base+40(FP), R9
	VMOVD        R9, X12
	VPBROADCASTD X12, Y12
	VPADDD       (AX), Y12, Y12     // the windows' starts
	MOVQ         w+48(FP), R14
	MOVQ         kh+56(FP), BX
	MOVQ         kw+64(FP), DX
	MOVQ         s+72(FP), R13
	SUBQ         DX, R14            // from a row's last candidate to the next row's first
	VMOVQ        R14, X7
	VPBROADCASTD X7, Y7
	MOVQ         R13, AX
	SHLQ         $3, AX             // 8s: the index step of a round
	VMOVQ        AX, X15
	VPBROADCASTD X15, Y15
	SHLQ         $2, AX             // 32s: the byte step of a round
	MOVL         $0xff800000, R9    // -inf
	VMOVD        R9, X13
	VPBROADCASTD X13, Y13
	MOVL         $1, R9
	VMOVD        R9, X14
	VPBROADCASTD X14, Y14

// MPCAND compares the candidate in Y5, at offset Y9, with the best (Y4
// at offset Y8), then moves to the next column.
#define MPCAND \
	VCMPPS    $0x1E, Y4, Y5, Y10 \
	VCMPPS    $0x03, Y5, Y5, Y11 \
	VORPS     Y11, Y10, Y10      \
	VBLENDVPS Y10, Y5, Y4, Y4    \
	VBLENDVPS Y10, Y9, Y8, Y8    \
	VPADDD    Y14, Y9, Y9        \
	INCQ      R11

mparound:
	TESTQ   CX, CX
	JZ      mpadone
	VMOVUPS Y13, Y4                 // best
	VPXOR   Y8, Y8, Y8              // its offset
	VPXOR   Y9, Y9, Y9              // the candidate's offset r·w + c
	XORQ    R11, R11                // the same, scalar
	MOVQ    BX, R9
	CMPQ    R13, $2
	JEQ     mparow2

mparow1:
	MOVQ DX, R12

mpacol1:
	VMOVUPS (SI)(R11*4), Y5
	MPCAND
	DECQ    R12
	JNZ     mpacol1
	ADDQ    R14, R11
	VPADDD  Y7, Y9, Y9
	DECQ    R9
	JNZ     mparow1
	JMP     mpastore

mparow2:
	MOVQ DX, R12

mpacol2:
	VMOVUPS (SI)(R11*4), Y0
	VMOVUPS 32(SI)(R11*4), Y1
	VSHUFPS $0x88, Y1, Y0, Y5
	VPERMPD $0xD8, Y5, Y5
	MPCAND
	DECQ    R12
	JNZ     mpacol2
	ADDQ    R14, R11
	VPADDD  Y7, Y9, Y9
	DECQ    R9
	JNZ     mparow2

mpastore:
	VPADDD  Y12, Y8, Y8
	VMOVUPS Y4, (DI)
	VMOVDQU Y8, (R8)
	VPADDD  Y15, Y12, Y12
	ADDQ    AX, SI
	ADDQ    $32, DI
	ADDQ    $32, R8
	SUBQ    $8, CX
	JMP     mparound

mpadone:
	VZEROUPPER
	RET
