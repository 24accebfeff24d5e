//go:build amd64 && !purego

#include "textflag.h"

// Lane j of pairs is 2j: the even elements of two registers for VPERMT2PS,
// and each window's column offset.
DATA pairs<>+0(SB)/4, $0
DATA pairs<>+4(SB)/4, $2
DATA pairs<>+8(SB)/4, $4
DATA pairs<>+12(SB)/4, $6
DATA pairs<>+16(SB)/4, $8
DATA pairs<>+20(SB)/4, $10
DATA pairs<>+24(SB)/4, $12
DATA pairs<>+28(SB)/4, $14
DATA pairs<>+32(SB)/4, $16
DATA pairs<>+36(SB)/4, $18
DATA pairs<>+40(SB)/4, $20
DATA pairs<>+44(SB)/4, $22
DATA pairs<>+48(SB)/4, $24
DATA pairs<>+52(SB)/4, $26
DATA pairs<>+56(SB)/4, $28
DATA pairs<>+60(SB)/4, $30
GLOBL pairs<>(SB), RODATA|NOPTR, $64

// masks<>[n] is the 16-bit mask of the first n lanes.
DATA masks<>+0(SB)/2, $0x0000
DATA masks<>+2(SB)/2, $0x0001
DATA masks<>+4(SB)/2, $0x0003
DATA masks<>+6(SB)/2, $0x0007
DATA masks<>+8(SB)/2, $0x000f
DATA masks<>+10(SB)/2, $0x001f
DATA masks<>+12(SB)/2, $0x003f
DATA masks<>+14(SB)/2, $0x007f
DATA masks<>+16(SB)/2, $0x00ff
DATA masks<>+18(SB)/2, $0x01ff
DATA masks<>+20(SB)/2, $0x03ff
DATA masks<>+22(SB)/2, $0x07ff
DATA masks<>+24(SB)/2, $0x0fff
DATA masks<>+26(SB)/2, $0x1fff
DATA masks<>+28(SB)/2, $0x3fff
DATA masks<>+30(SB)/2, $0x7fff
DATA masks<>+32(SB)/2, $0xffff
GLOBL masks<>(SB), RODATA|NOPTR, $34

// func Pool2Plane(plane, y *float32, idx *int32, ho, wo, w, relu int) int
//
// Pools the ho×wo 2×2 windows of a plane of width w, 16 windows of a row
// pair at a time: y[oy·wo+ox] = the window's maximum and idx[oy·wo+ox] =
// 2·oy·w + 2·ox + the offset of its first maximum in the order top-left,
// top-right, bottom-left, bottom-right (+1, +w, +w+1). With relu set, y =
// max(maximum, 0) and idx = −1 where the maximum is not positive. It stops
// before the first group of 16 windows that holds a NaN and returns the
// number of windows done, row by row.
TEXT ·Pool2Plane(SB), NOSPLIT, $0-64
	MOVQ plane+0(FP), R13
	MOVQ wo+32(FP), CX
	MOVQ w+40(FP), BX
	LEAQ masks<>(SB), R12
	XORQ R14, R14 // windows done in earlier rows
	XORQ AX, AX   // base of the row pair: 2·oy·w

	VMOVDQU32 pairs<>(SB), Z30 // even lanes
	MOVL $1, R10
	VPBROADCASTD R10, Z29
	VPADDD Z29, Z30, Z31 // odd lanes
	LEAQ -1(BX), R10
	VPBROADCASTD R10, Z27 // w-1
	MOVL $32, R10
	VPBROADCASTD R10, Z26
	VPXORD Z25, Z25, Z25  // zero
	VPTERNLOGD $0xff, Z24, Z24, Z24 // −1
	MOVQ relu+48(FP), R15
	MOVQ ho+24(FP), R11

row:
	TESTQ R11, R11
	JZ done
	MOVQ R13, SI
	LEAQ (R13)(BX*4), DI
	MOVQ y+8(FP), DX
	LEAQ (DX)(R14*4), DX
	MOVQ idx+16(FP), R8
	LEAQ (R8)(R14*4), R8
	VPBROADCASTD AX, Z28
	VPADDD Z30, Z28, Z28 // base + 2j
	XORQ R9, R9 // windows done in this row

loop:
	MOVQ CX, R10
	SUBQ R9, R10 // windows left in the row
	JLE nextrow
	CMPQ R10, $16
	JLT tail
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS (DI), Z2
	VMOVUPS 64(DI), Z3
	KXNORW K6, K6, K6 // all 16 lanes stored
	JMP pool

tail:
	// 2r values per row: min(2r, 16) in the first register, the rest in
	// the second; r lanes stored.
	KMOVW (R12)(R10*2), K6
	LEAQ (R10)(R10*1), R10
	CMPQ R10, $16
	JLE tailone
	SUBQ $16, R10
	KMOVW (R12)(R10*2), K7
	MOVQ $16, R10
	JMP tailload
tailone:
	KXORW K7, K7, K7
tailload:
	KMOVW (R12)(R10*2), K1
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K7, Z1
	VMOVUPS.Z (DI), K1, Z2
	VMOVUPS.Z 64(DI), K7, Z3

pool:
	VMOVAPS Z0, Z4
	VPERMT2PS Z1, Z30, Z4 // a: top-left
	VMOVAPS Z0, Z5
	VPERMT2PS Z1, Z31, Z5 // b: top-right
	VMOVAPS Z2, Z6
	VPERMT2PS Z3, Z30, Z6 // c: bottom-left
	VMOVAPS Z2, Z7
	VPERMT2PS Z3, Z31, Z7 // d: bottom-right

	VCMPPS $3, Z5, Z4, K1 // unordered: a or b is NaN
	VCMPPS $3, Z7, Z6, K2
	KORW K1, K2, K1
	KTESTW K1, K6
	JNZ stop

	VMAXPS Z5, Z4, Z8
	VMAXPS Z7, Z6, Z9
	VMAXPS Z9, Z8, Z8 // m

	VCMPPS $4, Z8, Z4, K3 // past a: a != m
	VCMPPS $4, Z8, Z5, K4
	KANDW K3, K4, K4      // past b
	VCMPPS $4, Z8, Z6, K5
	KANDW K4, K5, K5      // past c
	VMOVDQA32 Z28, Z10
	VPADDD Z29, Z10, K3, Z10
	VPADDD Z27, Z10, K4, Z10
	VPADDD Z29, Z10, K5, Z10

	TESTQ R15, R15
	JZ store
	VCMPPS $0x1e, Z25, Z8, K1 // m > 0 (ordered)
	VMOVAPS Z25, Z11
	VMOVAPS Z8, K1, Z11       // m where positive, else +0
	VMOVAPS Z11, Z8
	VMOVDQA32 Z24, Z11
	VMOVDQA32 Z10, K1, Z11    // idx where positive, else −1
	VMOVDQA32 Z11, Z10

store:
	VMOVUPS Z8, K6, (DX)
	VMOVDQU32 Z10, K6, (R8)

	VPADDD Z26, Z28, Z28
	ADDQ $128, SI
	ADDQ $128, DI
	ADDQ $64, DX
	ADDQ $64, R8
	KMOVW K6, R10
	POPCNTL R10, R10
	ADDQ R10, R9
	JMP loop

nextrow:
	ADDQ CX, R14
	LEAQ (R13)(BX*8), R13 // two image rows down
	LEAQ (AX)(BX*2), AX
	DECQ R11
	JMP row

stop:
	ADDQ R9, R14

done:
	VZEROUPPER
	MOVQ R14, ret+56(FP)
	RET

// Lane j of inter<> interleaves two registers' first (then last) eight
// lanes: a0 b0 a1 b1 … for VPERMT2PS (b's lanes are 16 on).
DATA interlo<>+0(SB)/4, $0
DATA interlo<>+4(SB)/4, $16
DATA interlo<>+8(SB)/4, $1
DATA interlo<>+12(SB)/4, $17
DATA interlo<>+16(SB)/4, $2
DATA interlo<>+20(SB)/4, $18
DATA interlo<>+24(SB)/4, $3
DATA interlo<>+28(SB)/4, $19
DATA interlo<>+32(SB)/4, $4
DATA interlo<>+36(SB)/4, $20
DATA interlo<>+40(SB)/4, $5
DATA interlo<>+44(SB)/4, $21
DATA interlo<>+48(SB)/4, $6
DATA interlo<>+52(SB)/4, $22
DATA interlo<>+56(SB)/4, $7
DATA interlo<>+60(SB)/4, $23
GLOBL interlo<>(SB), RODATA|NOPTR, $64

// func Pool2Grad(dy *float32, idx *int32, dx *float32, ho, wo, w int)
//
// The gradient of a 2×2 max-pool of a plane of width w = 2·wo and height
// 2·ho, written whole: each window's four values are dy at the offset idx
// holds (as pool2PlaneAVX512 left it: 2·oy·w + 2·ox + 0, 1, w or w+1) and
// 0 elsewhere; an idx of −1 (a maximum ReLU stopped) gives four zeros.
// Nothing is read from dx, so it needs no clearing first.
TEXT ·Pool2Grad(SB), NOSPLIT, $0-48
	MOVQ dx+16(FP), R13
	XORQ R14, R14 // windows of the rows before
	MOVQ ho+24(FP), R11
	MOVQ wo+32(FP), CX
	MOVQ w+40(FP), BX
	LEAQ masks<>(SB), R12
	XORQ AX, AX // 2·oy·w

	VMOVDQU32 pairs<>(SB), Z30 // 2j
	VMOVDQU32 interlo<>(SB), Z26
	MOVL $8, R10
	VPBROADCASTD R10, Z25
	VPADDD Z25, Z26, Z27 // the same for lanes 8-15
	MOVL $1, R10
	VPBROADCASTD R10, Z29 // 1
	VPBROADCASTD BX, Z24  // w
	VPADDD Z29, Z24, Z23  // w+1
	MOVL $32, R10
	VPBROADCASTD R10, Z22

grow:
	TESTQ R11, R11
	JZ gdone
	VPBROADCASTD AX, Z28
	VPADDD Z30, Z28, Z28 // the windows' top-left offsets
	MOVQ dy+0(FP), SI
	LEAQ (SI)(R14*4), SI
	MOVQ idx+8(FP), R8
	LEAQ (R8)(R14*4), R8
	MOVQ R13, DI         // the row pair's top row
	LEAQ (R13)(BX*4), DX // its bottom row
	XORQ R9, R9          // windows done in this row

gloop:
	MOVQ CX, R10
	SUBQ R9, R10
	JLE gnext
	CMPQ R10, $16
	JGE gfull
	KMOVW (R12)(R10*2), K6 // r windows: r lanes of dy and idx
	LEAQ (R10)(R10*1), R10
	CMPQ R10, $16
	JLE gone
	SUBQ $16, R10
	KMOVW (R12)(R10*2), K7
	KXNORW K1, K1, K1
	JMP gload
gone:
	KMOVW (R12)(R10*2), K1
	KXORW K7, K7, K7
	JMP gload
gfull:
	KXNORW K6, K6, K6
	KXNORW K1, K1, K1
	KXNORW K7, K7, K7
gload:
	VMOVUPS.Z (SI), K6, Z0
	VMOVDQU32.Z (R8), K6, Z1
	VPSUBD Z28, Z1, Z1 // offset within the window (or negative)
	VPXORD Z2, Z2, Z2
	VPCMPD $0, Z2, Z1, K2 // offset 0
	VPCMPD $0, Z29, Z1, K3 // 1
	VPCMPD $0, Z24, Z1, K4 // w
	VPCMPD $0, Z23, Z1, K5 // w+1
	VMOVAPS.Z Z0, K2, Z2 // a
	VMOVAPS.Z Z0, K3, Z3 // b
	VMOVAPS.Z Z0, K4, Z4 // c
	VMOVAPS.Z Z0, K5, Z5 // d
	VMOVAPS Z2, Z6
	VPERMT2PS Z3, Z26, Z6 // top row, windows 0-7
	VPERMT2PS Z3, Z27, Z2 // top row, windows 8-15
	VMOVAPS Z4, Z7
	VPERMT2PS Z5, Z26, Z7 // bottom row, windows 0-7
	VPERMT2PS Z5, Z27, Z4 // bottom row, windows 8-15
	VMOVUPS Z6, K1, (DI)
	VMOVUPS Z2, K7, 64(DI)
	VMOVUPS Z7, K1, (DX)
	VMOVUPS Z4, K7, 64(DX)

	VPADDD Z22, Z28, Z28
	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $128, DI
	ADDQ $128, DX
	KMOVW K6, R10
	POPCNTL R10, R10
	ADDQ R10, R9
	JMP gloop

gnext:
	ADDQ CX, R14
	LEAQ (R13)(BX*8), R13 // two image rows down
	LEAQ (AX)(BX*2), AX
	DECQ R11
	JMP grow

gdone:
	VZEROUPPER
	RET
