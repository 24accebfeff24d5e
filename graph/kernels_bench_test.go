package graph

import "testing"

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
