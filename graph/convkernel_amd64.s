//go:build amd64 && !purego

#include "textflag.h"

// func convTileForward(k int, a, x *float32, offs *int, masks *uint16, maskStride int, c *float32, ldc, rows, cmask int)
//
// One 16×16 tile of a size-keeping convolution read straight from the image
// (an implicit im2col): acc[i][l] = Σ_p a[16p+i]·B[p][l] with B[p][l] =
// x[offs[p]+l] where bit l of masks[p·maskStride] is set, else 0 (padding);
// then c[i·ldc+l] += acc[i][l] for i < rows and the lanes of cmask. Masked
// lanes are never read or written. k ≥ 1, 1 ≤ rows ≤ 16.
TEXT ·convTileForward(SB), NOSPLIT, $0-80
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ x+16(FP), DI
	MOVQ offs+24(FP), R10
	MOVQ masks+32(FP), R11
	MOVQ maskStride+40(FP), R12
	SHLQ $1, R12
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R8
	SHLQ $2, R8
	MOVQ rows+64(FP), R9
	MOVQ cmask+72(FP), AX
	KMOVW AX, K2
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15

fwdloop:
	MOVQ (R10), BX
	KMOVW (R11), K1
	VMOVUPS.Z (DI)(BX*4), K1, Z16
	VFMADD231PS.BCST 0(SI), Z16, Z0
	VFMADD231PS.BCST 4(SI), Z16, Z1
	VFMADD231PS.BCST 8(SI), Z16, Z2
	VFMADD231PS.BCST 12(SI), Z16, Z3
	VFMADD231PS.BCST 16(SI), Z16, Z4
	VFMADD231PS.BCST 20(SI), Z16, Z5
	VFMADD231PS.BCST 24(SI), Z16, Z6
	VFMADD231PS.BCST 28(SI), Z16, Z7
	VFMADD231PS.BCST 32(SI), Z16, Z8
	VFMADD231PS.BCST 36(SI), Z16, Z9
	VFMADD231PS.BCST 40(SI), Z16, Z10
	VFMADD231PS.BCST 44(SI), Z16, Z11
	VFMADD231PS.BCST 48(SI), Z16, Z12
	VFMADD231PS.BCST 52(SI), Z16, Z13
	VFMADD231PS.BCST 56(SI), Z16, Z14
	VFMADD231PS.BCST 60(SI), Z16, Z15
	ADDQ $64, SI
	ADDQ $8, R10
	ADDQ R12, R11
	DECQ CX
	JNZ fwdloop

#define STORE(reg) \
	VMOVUPS.Z (DX), K2, Z17 \
	VADDPS Z17, reg, reg \
	VMOVUPS reg, K2, (DX) \
	ADDQ R8, DX \
	DECQ R9 \
	JZ fwddone

	STORE(Z0)
	STORE(Z1)
	STORE(Z2)
	STORE(Z3)
	STORE(Z4)
	STORE(Z5)
	STORE(Z6)
	STORE(Z7)
	STORE(Z8)
	STORE(Z9)
	STORE(Z10)
	STORE(Z11)
	STORE(Z12)
	STORE(Z13)
	STORE(Z14)
	STORE(Z15)
#undef STORE

fwddone:
	VZEROUPPER
	RET

// func convTileGradInput(k int, a, b *float32, ldb, bmask int, dx *float32, offs *int, masks *uint16, maskStride, rows int)
//
// One 16×16 tile of dcol = Wᵀ·dy folded straight back into dx (an implicit
// col2im): acc[i][l] = Σ_p a[16p+i]·b[p·ldb+l] over the lanes of bmask (the
// others 0), then dx[offs[i]+l] += acc[i][l] for i < rows where bit l of
// masks[i·maskStride] is set. Rows are added one after the other, so taps
// that reach the same input value add in row order. k ≥ 1, 1 ≤ rows ≤ 16.
TEXT ·convTileGradInput(SB), NOSPLIT, $0-80
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R13
	SHLQ $2, R13
	MOVQ bmask+32(FP), AX
	KMOVW AX, K2
	MOVQ dx+40(FP), DX
	MOVQ offs+48(FP), R10
	MOVQ masks+56(FP), R11
	MOVQ maskStride+64(FP), R12
	SHLQ $1, R12
	MOVQ rows+72(FP), R9
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15

gxloop:
	VMOVUPS.Z (DI), K2, Z16
	VFMADD231PS.BCST 0(SI), Z16, Z0
	VFMADD231PS.BCST 4(SI), Z16, Z1
	VFMADD231PS.BCST 8(SI), Z16, Z2
	VFMADD231PS.BCST 12(SI), Z16, Z3
	VFMADD231PS.BCST 16(SI), Z16, Z4
	VFMADD231PS.BCST 20(SI), Z16, Z5
	VFMADD231PS.BCST 24(SI), Z16, Z6
	VFMADD231PS.BCST 28(SI), Z16, Z7
	VFMADD231PS.BCST 32(SI), Z16, Z8
	VFMADD231PS.BCST 36(SI), Z16, Z9
	VFMADD231PS.BCST 40(SI), Z16, Z10
	VFMADD231PS.BCST 44(SI), Z16, Z11
	VFMADD231PS.BCST 48(SI), Z16, Z12
	VFMADD231PS.BCST 52(SI), Z16, Z13
	VFMADD231PS.BCST 56(SI), Z16, Z14
	VFMADD231PS.BCST 60(SI), Z16, Z15
	ADDQ $64, SI
	ADDQ R13, DI
	DECQ CX
	JNZ gxloop

#define SCATTER(reg) \
	MOVQ (R10), BX \
	KMOVW (R11), K1 \
	VMOVUPS.Z (DX)(BX*4), K1, Z17 \
	VADDPS Z17, reg, reg \
	VMOVUPS reg, K1, (DX)(BX*4) \
	ADDQ $8, R10 \
	ADDQ R12, R11 \
	DECQ R9 \
	JZ gxdone

	SCATTER(Z0)
	SCATTER(Z1)
	SCATTER(Z2)
	SCATTER(Z3)
	SCATTER(Z4)
	SCATTER(Z5)
	SCATTER(Z6)
	SCATTER(Z7)
	SCATTER(Z8)
	SCATTER(Z9)
	SCATTER(Z10)
	SCATTER(Z11)
	SCATTER(Z12)
	SCATTER(Z13)
	SCATTER(Z14)
	SCATTER(Z15)
#undef SCATTER

gxdone:
	VZEROUPPER
	RET
