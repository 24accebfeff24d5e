//go:build amd64 && !purego

#include "textflag.h"

// The BatchNorm kernels of graph/batchnorm.go for float32 data on AVX-512: the
// same formulas, eight float64 lanes (sums, input gradient) or sixteen
// float32 lanes (normalise) at a time, masked tails, lanes of a sum added in
// a fixed tree at the end.

// Horizontal sum of the eight float64 lanes of Z into X (lane 0).
#define HSUM8(Z, Y, X) \
	VEXTRACTF64X4 $1, Z, Y29 \
	VADDPD Y29, Y, Y29 \
	VEXTRACTF64X2 $1, Y29, X28 \
	VADDPD X28, X29, X29 \
	VPERMILPD $1, X29, X28 \
	VADDSD X28, X29, X

// func BNShiftedSums(v *float32, n int, k float64) (sum, sq float64)
TEXT ·BNShiftedSums(SB), NOSPLIT, $0-40
	MOVQ v+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSD k+16(FP), Z31
	VPXORQ Z0, Z0, Z0 // Σd, lanes 0-7 of each 16
	VPXORQ Z1, Z1, Z1 // Σd, lanes 8-15
	VPXORQ Z2, Z2, Z2 // Σd²
	VPXORQ Z3, Z3, Z3
sumsloop:
	CMPQ CX, $16
	JLT sumstail
	VCVTPS2PD (SI), Z4
	VCVTPS2PD 32(SI), Z5
	VSUBPD Z31, Z4, Z4
	VSUBPD Z31, Z5, Z5
	VADDPD Z4, Z0, Z0
	VADDPD Z5, Z1, Z1
	VFMADD231PD Z4, Z4, Z2
	VFMADD231PD Z5, Z5, Z3
	ADDQ $64, SI
	SUBQ $16, CX
	JMP sumsloop
sumstail:
	TESTQ CX, CX
	JZ sumsdone
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	KSHIFTRW $8, K1, K2
	VMOVUPS.Z (SI), K1, Z6
	VCVTPS2PD Y6, Z4
	VEXTRACTF32X8 $1, Z6, Y7
	VCVTPS2PD Y7, Z5
	VSUBPD Z31, Z4, K1, Z4 // masked lanes stay 0
	VSUBPD Z31, Z5, K2, Z5
	VADDPD Z4, Z0, Z0
	VADDPD Z5, Z1, Z1
	VFMADD231PD Z4, Z4, Z2
	VFMADD231PD Z5, Z5, Z3
sumsdone:
	VADDPD Z1, Z0, Z0
	VADDPD Z3, Z2, Z2
	HSUM8(Z0, Y0, X0)
	HSUM8(Z2, Y2, X2)
	VMOVSD X0, sum+24(FP)
	VMOVSD X2, sq+32(FP)
	VZEROUPPER
	RET

// func BNDySums(x, dy *float32, n int, mean float64) (sum, sumXc float64)
TEXT ·BNDySums(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), SI
	MOVQ dy+8(FP), DI
	MOVQ n+16(FP), CX
	VBROADCASTSD mean+24(FP), Z31
	VPXORQ Z0, Z0, Z0 // Σdy
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2 // Σdy·(x−mean)
	VPXORQ Z3, Z3, Z3
dyloop:
	CMPQ CX, $16
	JLT dytail
	VCVTPS2PD (DI), Z4
	VCVTPS2PD 32(DI), Z5
	VCVTPS2PD (SI), Z6
	VCVTPS2PD 32(SI), Z7
	VSUBPD Z31, Z6, Z6
	VSUBPD Z31, Z7, Z7
	VADDPD Z4, Z0, Z0
	VADDPD Z5, Z1, Z1
	VFMADD231PD Z6, Z4, Z2
	VFMADD231PD Z7, Z5, Z3
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP dyloop
dytail:
	TESTQ CX, CX
	JZ dydone
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	VMOVUPS.Z (DI), K1, Z8
	VMOVUPS.Z (SI), K1, Z9
	VCVTPS2PD Y8, Z4
	VEXTRACTF32X8 $1, Z8, Y10
	VCVTPS2PD Y10, Z5
	VCVTPS2PD Y9, Z6
	VEXTRACTF32X8 $1, Z9, Y10
	VCVTPS2PD Y10, Z7
	VSUBPD Z31, Z6, Z6 // dy is 0 in the masked lanes
	VSUBPD Z31, Z7, Z7
	VADDPD Z4, Z0, Z0
	VADDPD Z5, Z1, Z1
	VFMADD231PD Z6, Z4, Z2
	VFMADD231PD Z7, Z5, Z3
dydone:
	VADDPD Z1, Z0, Z0
	VADDPD Z3, Z2, Z2
	HSUM8(Z0, Y0, X0)
	HSUM8(Z2, Y2, X2)
	VMOVSD X0, sum+32(FP)
	VMOVSD X2, sumXc+40(FP)
	VZEROUPPER
	RET

// func BNNormalise(x, y *float32, n int, mu, scale, shift float32)
TEXT ·BNNormalise(SB), NOSPLIT, $0-36
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	VBROADCASTSS mu+24(FP), Z29
	VBROADCASTSS scale+28(FP), Z30
	VBROADCASTSS shift+32(FP), Z31
normloop:
	CMPQ CX, $16
	JLT normtail
	VMOVUPS (SI), Z0
	VSUBPS Z29, Z0, Z0
	VFMADD213PS Z31, Z30, Z0 // (x−mu)·scale + shift
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP normloop
normtail:
	TESTQ CX, CX
	JZ normdone
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z0
	VSUBPS Z29, Z0, Z0
	VFMADD213PS Z31, Z30, Z0
	VMOVUPS Z0, K1, (DI)
normdone:
	VZEROUPPER
	RET

// func BNGradInput(x, dy, out *float32, n int, a, b, e float64)
TEXT ·BNGradInput(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ dy+8(FP), DI
	MOVQ out+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSD a+32(FP), Z29
	VBROADCASTSD b+40(FP), Z30
	VBROADCASTSD e+48(FP), Z31
gradloop:
	CMPQ CX, $8
	JLT gradtail
	VCVTPS2PD (DI), Z0
	VCVTPS2PD (SI), Z1
	VMULPD Z29, Z0, Z0        // a·dy
	VFNMADD231PD Z30, Z1, Z0  // − b·x
	VADDPD Z31, Z0, Z0        // + e
	VCVTPD2PS Z0, Y0
	VMOVUPS Y0, (DX)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JMP gradloop
gradtail:
	TESTQ CX, CX
	JZ graddone
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	VMOVUPS.Z (DI), K1, Y2
	VMOVUPS.Z (SI), K1, Y3
	VCVTPS2PD Y2, Z0
	VCVTPS2PD Y3, Z1
	VMULPD Z29, Z0, Z0
	VFNMADD231PD Z30, Z1, Z0
	VADDPD Z31, Z0, Z0
	VCVTPD2PS Z0, Y0
	VMOVUPS Y0, K1, (DX)
graddone:
	VZEROUPPER
	RET
