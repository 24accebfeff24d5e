//go:build amd64 && !purego

package sgemm

import "golang.org/x/sys/cpu"

//go:generate go run gen_kernels.go

//go:noescape
func kernelavx2_6x16(k int, a, b, c *float32, ldb, ldc int, add bool)

//go:noescape
func kernelavx2_4x24(k int, a, b, c *float32, ldb, ldc int, add bool)

//go:noescape
func kernelavx512_8x48(k int, a, b, c *float32, ldb, ldc int, add bool)

//go:noescape
func kernelavx512_12x32(k int, a, b, c *float32, ldb, ldc int, add bool)

//go:noescape
func kernelavx512_14x32(k int, a, b, c *float32, ldb, ldc int, add bool)

//go:noescape
func kernelavx512_16x16(k int, a, b, c *float32, ldb, ldc int, add bool)

//go:noescape
func kernelavx512_6x64(k int, a, b, c *float32, ldb, ldc int, add bool)

// gemv64avx512 is one row of C over up to 64 columns (gemv_amd64.s).
//
//go:noescape
func gemv64avx512(k int, a, b, c *float32, ldb int, masks uint64, add bool)

// rowKernel is the one-row product of the AVX-512 kernels' instruction set
// (sgemm.go, gemvRow).
var rowKernel = gemv64avx512

func fmaPeakavx2(n int)
func fmaPeakavx512(n int)

var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F
)

// kernels are the micro-kernels this CPU runs, the one used first: of
// each instruction set, the tile that was fastest on the zoo's shapes
// (BenchmarkKernel; bench/README.md).
var kernels = func() []kernel {
	var ks []kernel
	if hasAVX512 {
		ks = append(ks,
			kernel{"avx512", 6, 64, kernelavx512_6x64},
			kernel{"avx512", 8, 48, kernelavx512_8x48},
			kernel{"avx512", 12, 32, kernelavx512_12x32},
			kernel{"avx512", 14, 32, kernelavx512_14x32},
			kernel{"avx512", 16, 16, kernelavx512_16x16},
		)
	}
	if hasAVX2 {
		ks = append(ks,
			kernel{"avx2", 4, 24, kernelavx2_4x24},
			kernel{"avx2", 6, 16, kernelavx2_6x16},
		)
	}
	return append(ks, goKernel)
}()

var best = kernels[0]

// FMAPeak runs n rounds of independent fused multiply-adds of the widest
// vectors this CPU has, on registers alone, and returns the floating-point
// operations done (0 without AVX2 and FMA): timed, the arithmetic limit of
// one core, which the products are measured against.
func FMAPeak(n int) float64 {
	switch {
	case hasAVX512:
		fmaPeakavx512(n)
		return float64(n) * 24 * 16 * 2
	case hasAVX2:
		fmaPeakavx2(n)
		return float64(n) * 12 * 8 * 2
	}
	return 0
}

//go:noescape
func transpose8x8(src *float32, lds int, dst *float32, ldd int, blocks int)

// transpose8 writes dst[p·ldd+i] = src[i·lds+p] for i < 8 and p < n: eight
// rows of src become eight columns of dst.
func transpose8(src []float32, lds int, dst []float32, ldd int, n int) {
	blocks := n / 8
	if blocks > 0 && hasAVX2 {
		_ = src[7*lds+8*blocks-1]
		_ = dst[(8*blocks-1)*ldd+7]
		transpose8x8(&src[0], lds, &dst[0], ldd, blocks)
	} else {
		blocks = 0
	}
	transpose8Go(src, lds, dst, ldd, 8*blocks, n)
}
