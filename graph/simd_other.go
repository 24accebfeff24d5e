//go:build !amd64 || purego

package graph

// pool2Plane and the convolution tiles are the vector paths of pool2 and of
// the size-keeping convolutions, which only amd64 has.
func pool2Plane(plane []float32, w, ho, wo int, y []float32, idx []int32, relu bool) int {
	return 0
}

const hasAVX512 = false

func convTileForward(k int, a, x *float32, offs *int, masks *uint16, maskStride int, c *float32, ldc, rows, cmask int) {
	panic("graph: convTileForward without AVX-512")
}

func convTileGradInput(k int, a, b *float32, ldb, bmask int, dx *float32, offs *int, masks *uint16, maskStride, rows int) {
	panic("graph: convTileGradInput without AVX-512")
}

func convTileGradWeight(samples, tiles int, dy *float32, dyStride, hw int, x *float32, xStride int, offs *int, masks *uint16, maskStride, tailMask int, out *float32, ldo int) {
	panic("graph: convTileGradWeight without AVX-512")
}

func bnShiftedSums32(v *float32, n int, k float64) (sum, sq float64) { panic("graph: no AVX-512") }

func bnDySums32(x, dy *float32, n int, mean float64) (sum, sumXc float64) { panic("graph: no AVX-512") }

func bnNormalise32(x, y *float32, n int, mu, scale, shift float32) { panic("graph: no AVX-512") }

func bnGradInput32(x, dy, out *float32, n int, a, b, e float64) { panic("graph: no AVX-512") }
