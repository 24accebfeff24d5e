//go:build amd64 && !purego

#include "textflag.h"

// func gemv64avx512(k int, a, b, c *float32, ldb int, masks uint64, add bool)
//
// One row of C, up to 64 columns: acc[j] = Σ_p a[p]·b[p·ldb+j] over p < k
// (k ≥ 1) in order, one fused multiply-add per p from +0, then c[j] = acc[j]
// (add false) or c[j] += acc[j] (add true), for the columns j whose bit is
// set in masks (bits 16v..16v+15 for the vector v of 16 columns). The sums
// are those of the tile kernels (kernels_amd64.s): the same order, the same
// instructions and operand order, so the same bits. B's rows are read in
// place; masked-off columns are neither read nor written.
TEXT ·gemv64avx512(SB), NOSPLIT, $0-49
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldb+32(FP), R9
	SHLQ $2, R9
	MOVQ masks+40(FP), AX
	KMOVW AX, K1
	SHRQ $16, AX
	KMOVW AX, K2
	SHRQ $16, AX
	KMOVW AX, K3
	SHRQ $16, AX
	KMOVW AX, K4
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3

loop:
	VBROADCASTSS (SI), Z8
	VMOVUPS.Z (DI), K1, Z4
	VMOVUPS.Z 64(DI), K2, Z5
	VMOVUPS.Z 128(DI), K3, Z6
	VMOVUPS.Z 192(DI), K4, Z7
	VFMADD231PS Z4, Z8, Z0
	VFMADD231PS Z5, Z8, Z1
	VFMADD231PS Z6, Z8, Z2
	VFMADD231PS Z7, Z8, Z3
	ADDQ $4, SI
	ADDQ R9, DI
	DECQ CX
	JNZ loop

	MOVBQZX add+48(FP), AX
	TESTQ AX, AX
	JZ store
	VMOVUPS.Z (DX), K1, Z4
	VMOVUPS.Z 64(DX), K2, Z5
	VMOVUPS.Z 128(DX), K3, Z6
	VMOVUPS.Z 192(DX), K4, Z7
	VADDPS Z4, Z0, Z0
	VADDPS Z5, Z1, Z1
	VADDPS Z6, Z2, Z2
	VADDPS Z7, Z3, Z3

store:
	VMOVUPS Z0, K1, (DX)
	VMOVUPS Z1, K2, 64(DX)
	VMOVUPS Z2, K3, 128(DX)
	VMOVUPS Z3, K4, 192(DX)
	VZEROUPPER
	RET
