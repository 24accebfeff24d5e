package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

// TestImplicitConvMatchesIm2col: the implicit tiles give what im2col, the
// product and col2im give, forward, input (both ways) and weight gradient, on geometries
// whose output channels, im2col rows and pixels are and are not multiples of
// the tiles (float32 rounding apart: the sums are split differently).
func TestImplicitConvMatchesIm2col(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512: the implicit path is not used")
	}
	r := rand.New(rand.NewPCG(21, 22))
	for _, g := range []convGeom{
		{n: 3, c: 1, h: 28, w: 28, o: 16, k: 5, pad: 2},
		{n: 5, c: 16, h: 14, w: 14, o: 32, k: 5, pad: 2},
		{n: 2, c: 3, h: 7, w: 9, o: 5, k: 3, pad: 1},
		{n: 2, c: 2, h: 4, w: 5, o: 17, k: 5, pad: 2},
		{n: 13, c: 2, h: 6, w: 3, o: 8, k: 5, pad: 2},
		{n: 9, c: 32, h: 5, w: 7, o: 16, k: 3, pad: 1},
		{n: 2, c: 16, h: 3, w: 20, o: 32, k: 5, pad: 2},
		{n: 2, c: 16, h: 4, w: 30, o: 16, k: 3, pad: 1},
		{n: 2, c: 1, h: 4, w: 30, o: 32, k: 5, pad: 2},
		{n: 2, c: 1, h: 3, w: 33, o: 16, k: 3, pad: 1},
		{n: 3, c: 3, h: 5, w: 6, o: 32, k: 3, pad: 1},
		{n: 1, c: 1, h: 1, w: 1, o: 1, k: 1, pad: 0},
	} {
		g.ho, g.wo = g.h, g.w
		random := func(n int) []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = r.Float32()*2 - 1
			}
			return s
		}
		x, w, bias, dy := random(g.n*g.inSize()), random(g.o*g.rows()), random(g.o), random(g.n*g.o*g.hw())
		xt := tensor.New(tensor.WithShape(g.n, g.c, g.h, g.w), tensor.WithBacking(x))
		// The im2col path, as the reference.
		implicitConv = false
		y0, dx0, dw0 := make([]float32, len(dy)), make([]float32, len(x)), make([]float32, len(w))
		var c colBuffers
		convForward(g, x, w, bias, y0, blockColumns[float32](&c, g, tensor.Float32))
		convBackward(&conv2dGradOp{fwd: &conv2dOp{pad: g.pad}, wrt: 0}, g, xt, x, w, dy, dx0)
		convBackward(&conv2dGradOp{fwd: &conv2dOp{pad: g.pad}, wrt: 1}, g, xt, x, w, dy, dw0)
		implicitConv = true
		if !useImplicit(g) {
			t.Fatalf("%v: no implicit path", g)
		}
		check := func(what string, got, want []float32) {
			t.Helper()
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*float64(g.rows()+g.o+g.n*g.hw()) {
					t.Fatalf("%v: %s[%d] = %v, im2col %v", g, what, i, got[i], want[i])
				}
			}
		}
		var s1, s2 scratch
		out := func(n int) []float32 { return make([]float32, n) }
		y := out(len(y0))
		convForwardImplicit(g, x, w, bias, y, &s1)
		check("forward, masked tiles", y, y0)
		if k, ok := blockedKernel(g); ok {
			y := out(len(y0))
			convForwardBlocked(g, k, x, w, bias, y, &s1)
			check(fmt.Sprintf("forward, channel blocks (%dx%d)", k.nv, k.pixels), y, y0)
		}
		dx := out(len(dx0))
		convGradInputImplicit(g, w, dy, dx, &s1)
		check("input gradient, scatter", dx, dx0)
		if k, ok := gradInputKernel(g); ok {
			dx := out(len(dx0))
			convGradInputAsConv(g, k, w, dy, dx, &s1, &s2)
			check("input gradient, as a convolution", dx, dx0)
		}
		if useImplicitGradWeight(g) {
			dw := out(len(dw0))
			convGradWeightImplicit(g, x, dy, dw, &s1)
			check("weight gradient, masked tiles", dw, dw0)
		}
		if useChannelLastGradWeight(g) {
			dw := out(len(dw0))
			convGradWeightChannelLast(g, x, dy, dw, &s1)
			check("weight gradient, channel-last", dw, dw0)
		}
	}
}
