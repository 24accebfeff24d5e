package graph

import "github.com/gorgonia-zoo/zoo/internal/avx512"

// hasAVX512 is whether the float32 ops take the AVX-512 kernels of
// internal/avx512 (the CPU has them, the build is amd64 without purego).
var hasAVX512 = avx512.Enabled

// pool2Plane pools the 2×2 windows of a float32 plane as pool2 does (and,
// with relu, rectifyPooled), with AVX-512 where the CPU has it, and returns
// how many it did, row by row: all but those from the first group of 16
// holding a NaN on, which pool2 takes on.
func pool2Plane(plane []float32, w, ho, wo int, y []float32, idx []int32, relu bool) int {
	if !hasAVX512 || ho == 0 || wo == 0 {
		return 0
	}
	_, _, _ = plane[(2*ho-1)*w+2*wo-1], y[ho*wo-1], idx[ho*wo-1]
	r := 0
	if relu {
		r = 1
	}
	return avx512.Pool2Plane(&plane[0], &y[0], &idx[0], ho, wo, w, r)
}
