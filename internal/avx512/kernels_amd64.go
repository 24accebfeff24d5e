//go:build amd64 && !purego

package avx512

import "golang.org/x/sys/cpu"

// Enabled is whether this CPU runs the kernels: AVX-512 F, BW and VL.
var Enabled = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasPOPCNT

//go:noescape
func Pool2Plane(plane, y *float32, idx *int32, ho, wo, w, relu int) int

//go:noescape
func ConvTileForward(k int, a, x *float32, offs *int, masks *uint16, maskStride int, c *float32, ldc, rows, cmask int)

//go:noescape
func ConvTileGradInput(k int, a, b *float32, ldb, bmask int, dx *float32, offs *int, masks *uint16, maskStride, rows int)

//go:noescape
func ConvTileGradWeight(samples, tiles int, dy *float32, dyStride, hw int, x *float32, xStride int, offs *int, masks *uint16, maskStride, tailMask int, out *float32, ldo int)

//go:noescape
func BNShiftedSums(v *float32, n int, k float64) (sum, sq float64)

//go:noescape
func BNDySums(x, dy *float32, n int, mean float64) (sum, sumXc float64)

//go:noescape
func BNNormalise(x, y *float32, n int, mu, scale, shift float32)

//go:noescape
func BNGradInput(x, dy, out *float32, n int, a, b, e float64)

//go:noescape
func ConvTileGradWeightNHWC(samples int, a *float32, aStride int, b *float32, bStride, h, w, rowStride, pixStride int, out *float32, ldo int)

//go:generate go run gen_rows.go

// ConvRow1x14, ConvRow1x28 and ConvRow2x14 compute P pixels of a
// size-keeping convolution's output for 16·nv output channels from an image
// in channel blocks of 16 (each pixel 16 contiguous values, zero-padded):
// for pixel i < P and lane l < 16·nv, out[16nv·i+l] = bias[l] + Σ over
// entries e (a tap and a channel block) and channels j < cg of
// b[(e·cg+j)·16nv+l] · a[offs[e]/4 + 16i + j], in that order; only the
// first pixels pixels are stored. rows_amd64.s, from gen_rows.go.
//
//go:noescape
func ConvRow1x14(entries int, offs *int, cg int, a, b, bias, out *float32, pixels int)

//go:noescape
func ConvRow1x28(entries int, offs *int, cg int, a, b, bias, out *float32, pixels int)

//go:noescape
func ConvRow2x14(entries int, offs *int, cg int, a, b, bias, out *float32, pixels int)

// ConvRow1x28c1 and ConvRow2x14c1 are ConvRow1x28 and ConvRow2x14 for an
// image of one channel, its pixels 4 bytes apart: a[offs[e]/4 + i + j].
//
//go:noescape
func ConvRow1x28c1(entries int, offs *int, cg int, a, b, bias, out *float32, pixels int)

//go:noescape
func ConvRow2x14c1(entries int, offs *int, cg int, a, b, bias, out *float32, pixels int)

//go:noescape
func Pool2Grad(dy *float32, idx *int32, dx *float32, ho, wo, w int)
