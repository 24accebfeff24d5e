//go:build amd64 && !purego

#include "textflag.h"

// func transpose8x8(src *float32, lds int, dst *float32, ldd int, blocks int)
//
// For b < blocks, writes the transpose of the 8×8 block at src+8b (row
// stride lds) to dst+8b·ldd (row stride ldd): dst[(8b+t)·ldd+i] =
// src[i·lds+8b+t]. AVX: unpack pairs, shuffle quads, swap 128-bit halves.
TEXT ·transpose8x8(SB), NOSPLIT, $0-40
	MOVQ src+0(FP), SI
	MOVQ lds+8(FP), AX
	MOVQ dst+16(FP), DI
	MOVQ ldd+24(FP), BX
	MOVQ blocks+32(FP), CX
	SHLQ $2, AX
	SHLQ $2, BX
	LEAQ (AX)(AX*2), R8 // 3·lds
	LEAQ (BX)(BX*2), R9 // 3·ldd
	TESTQ CX, CX
	JZ done

loop:
	MOVQ SI, R10
	VMOVUPS (R10), Y0
	VMOVUPS (R10)(AX*1), Y1
	VMOVUPS (R10)(AX*2), Y2
	VMOVUPS (R10)(R8*1), Y3
	LEAQ (R10)(AX*4), R10
	VMOVUPS (R10), Y4
	VMOVUPS (R10)(AX*1), Y5
	VMOVUPS (R10)(AX*2), Y6
	VMOVUPS (R10)(R8*1), Y7

	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15

	MOVQ DI, R11
	VMOVUPS Y8, (R11)
	VMOVUPS Y9, (R11)(BX*1)
	VMOVUPS Y10, (R11)(BX*2)
	VMOVUPS Y11, (R11)(R9*1)
	LEAQ (R11)(BX*4), R11
	VMOVUPS Y12, (R11)
	VMOVUPS Y13, (R11)(BX*1)
	VMOVUPS Y14, (R11)(BX*2)
	VMOVUPS Y15, (R11)(R9*1)

	ADDQ $32, SI
	LEAQ (DI)(BX*8), DI
	DECQ CX
	JNZ loop
	VZEROUPPER

done:
	RET
