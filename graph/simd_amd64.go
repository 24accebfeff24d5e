//go:build amd64 && !purego

package graph

import "golang.org/x/sys/cpu"

var hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasPOPCNT

//go:noescape
func pool2RowAVX512(top, bottom, y *float32, idx *int32, n, base, w int) int

// pool2Row pools the 2×2 windows of a row pair as pool2 does, with AVX-512
// where the CPU has it, and returns how many it did: all but those from the
// first group of 16 holding a NaN, which pool2 takes on.
func pool2Row(top, bottom, y []float32, idx []int32, base, w int) int {
	n := len(y)
	if !hasAVX512 || n == 0 {
		return 0
	}
	_, _, _ = top[2*n-1], bottom[2*n-1], idx[n-1]
	return pool2RowAVX512(&top[0], &bottom[0], &y[0], &idx[0], n, base, w)
}

//go:noescape
func convTileForward(k int, a, x *float32, offs *int, masks *uint16, maskStride int, c *float32, ldc, rows, cmask int)

//go:noescape
func convTileGradInput(k int, a, b *float32, ldb, bmask int, dx *float32, offs *int, masks *uint16, maskStride, rows int)

//go:noescape
func convTileGradWeight(samples, tiles int, dy *float32, dyStride, hw int, x *float32, xStride int, offs *int, masks *uint16, maskStride, tailMask int, out *float32, ldo int)
