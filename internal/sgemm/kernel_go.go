package sgemm

import "unsafe"

// goKernel is the portable micro-kernel, a 4×4 tile of scalar accumulators
// in Go: what non-amd64 machines, amd64 CPUs without AVX2 and FMA, and the
// purego build tag run.
var goKernel = kernel{isa: "go", mr: 4, nr: 4, fn: kernelGo4x4}

func kernelGo4x4(k int, a, b, c *float32, ldb, ldc int, add bool) {
	as := unsafe.Slice(a, 4*k)
	bs := unsafe.Slice(b, (k-1)*ldb+4)
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float32
	for p := 0; p < k; p++ {
		ap := as[4*p : 4*p+4 : 4*p+4]
		bp := bs[ldb*p : ldb*p+4 : ldb*p+4]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	rows := [4][4]float32{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}}
	for i, r := range rows {
		dst := cs[i*ldc : i*ldc+4]
		if add {
			for j, v := range r {
				dst[j] += v
			}
		} else {
			copy(dst, r[:])
		}
	}
}
