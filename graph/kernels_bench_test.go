package graph

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkIm2col times the unfolding of one sample of cnn2's layers and its
// adjoint, the parts of a conv step outside BLAS.
func BenchmarkIm2col(b *testing.B) {
	for _, l := range benchLayers {
		g := convGeom{n: 1, c: l.c, h: l.h, w: l.h, o: l.out, k: l.kernel, pad: l.pad, ho: l.h, wo: l.h}
		x := make([]float32, g.inSize())
		col := make([]float32, g.rows()*g.hw())
		b.Run(l.name+"/im2col", func(b *testing.B) {
			for b.Loop() {
				im2col(g, x, col)
			}
		})
		b.Run(l.name+"/col2im", func(b *testing.B) {
			for b.Loop() {
				col2im(g, col, x)
			}
		})
	}
}

// BenchmarkPoolForward times the 2×2 max-pooling kernel alone on a batch of
// cnn2's first conv layer, on values of both signs (the zoo pools a
// convolution's output, before the ReLU).
func BenchmarkPoolForward(b *testing.B) {
	s := []int{100, 16, 28, 28}
	x := make([]float32, s[0]*s[1]*s[2]*s[3])
	r := rand.New(rand.NewPCG(1, 2))
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	y := make([]float32, len(x)/4)
	idx := make([]int32, len(y))
	for b.Loop() {
		poolForward(s, 2, false, x, y, idx)
	}
}
