//go:build amd64 && !purego

package graph

import "golang.org/x/sys/cpu"

var hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasPOPCNT

//go:noescape
func pool2PlaneAVX512(plane, y *float32, idx *int32, ho, wo, w, relu int) int

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
	return pool2PlaneAVX512(&plane[0], &y[0], &idx[0], ho, wo, w, r)
}

//go:noescape
func convTileForward(k int, a, x *float32, offs *int, masks *uint16, maskStride int, c *float32, ldc, rows, cmask int)

//go:noescape
func convTileGradInput(k int, a, b *float32, ldb, bmask int, dx *float32, offs *int, masks *uint16, maskStride, rows int)

//go:noescape
func convTileGradWeight(samples, tiles int, dy *float32, dyStride, hw int, x *float32, xStride int, offs *int, masks *uint16, maskStride, tailMask int, out *float32, ldo int)

//go:noescape
func bnShiftedSums32(v *float32, n int, k float64) (sum, sq float64)

//go:noescape
func bnDySums32(x, dy *float32, n int, mean float64) (sum, sumXc float64)

//go:noescape
func bnNormalise32(x, y *float32, n int, mu, scale, shift float32)

//go:noescape
func bnGradInput32(x, dy, out *float32, n int, a, b, e float64)
