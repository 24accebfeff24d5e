//go:build !amd64 || purego

package avx512

// Enabled is false: there are no kernels in this build.
const Enabled = false

const missing = "avx512: no AVX-512 kernels in this build"

func Pool2Plane(plane, y *float32, idx *int32, ho, wo, w, relu int) int { panic(missing) }

func ConvTileForward(k int, a, x *float32, offs *int, masks *uint16, maskStride int, c *float32, ldc, rows, cmask int) {
	panic(missing)
}

func ConvTileGradInput(k int, a, b *float32, ldb, bmask int, dx *float32, offs *int, masks *uint16, maskStride, rows int) {
	panic(missing)
}

func ConvTileGradWeight(samples, tiles int, dy *float32, dyStride, hw int, x *float32, xStride int, offs *int, masks *uint16, maskStride, tailMask int, out *float32, ldo int) {
	panic(missing)
}

func BNShiftedSums(v *float32, n int, k float64) (sum, sq float64) { panic(missing) }

func BNDySums(x, dy *float32, n int, mean float64) (sum, sumXc float64) { panic(missing) }

func BNNormalise(x, y *float32, n int, mu, scale, shift float32) { panic(missing) }

func BNGradInput(x, dy, out *float32, n int, a, b, e float64) { panic(missing) }

func ConvTileGradWeightNHWC(samples int, a *float32, aStride int, b *float32, bStride, h, w, rowStride, pixStride int, out *float32, ldo int) {
	panic(missing)
}

func ConvRow1x14(entries int, offs *int, cg int, a, b, bias, out *float32, pixels int) {
	panic(missing)
}

func ConvRow1x28(entries int, offs *int, cg int, a, b, bias, out *float32, pixels int) {
	panic(missing)
}

func ConvRow2x14(entries int, offs *int, cg int, a, b, bias, out *float32, pixels int) {
	panic(missing)
}

func ConvRow1x28c1(entries int, offs *int, cg int, a, b, bias, out *float32, pixels int) {
	panic(missing)
}

func ConvRow2x14c1(entries int, offs *int, cg int, a, b, bias, out *float32, pixels int) {
	panic(missing)
}

func Pool2Grad(dy *float32, idx *int32, dx *float32, ho, wo, w int) { panic(missing) }
