package graph

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gorgonia-zoo/zoo/internal/prereq"

	"gorgonia.org/tensor"
)

// TestImplicitConvMatchesIm2col: the implicit tiles give what im2col, the
// product and col2im give, forward, input (both ways) and weight gradient,
// on geometries whose output channels, im2col rows and pixels are and are
// not multiples of the tiles. Both are checked against the float64 sums of
// the definition (naiveConv), each element within the rounding of a sum of
// its length (withinRounding): the two paths split the sums differently.
func TestImplicitConvMatchesIm2col(t *testing.T) {
	if !hasAVX512 {
		prereq.NoAVX512(t, "no AVX-512: the implicit path is not used")
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
		exact, mag := naiveConv(g, float64sOf(x), float64sOf(w), float64sOf(bias), float64sOf(dy))
		// The three sums and their lengths: forward (with the bias), input
		// gradient, weight gradient.
		forward := func(what string, y []float32) {
			t.Helper()
			withinRounding(t, fmt.Sprintf("%v: forward, %s", g, what), tensor.Float32, g.rows()+1, float64sOf(y), exact.y, mag.y)
		}
		inputGrad := func(what string, dx []float32) {
			t.Helper()
			withinRounding(t, fmt.Sprintf("%v: input gradient, %s", g, what), tensor.Float32, g.o*g.k*g.k, float64sOf(dx), exact.dx, mag.dx)
		}
		weightGrad := func(what string, dw []float32) {
			t.Helper()
			withinRounding(t, fmt.Sprintf("%v: weight gradient, %s", g, what), tensor.Float32, g.n*g.hw(), float64sOf(dw), exact.dw, mag.dw)
		}
		forward("im2col", y0)
		inputGrad("col2im", dx0)
		weightGrad("im2col", dw0)
		var s1, s2 scratch
		out := func(n int) []float32 { return make([]float32, n) }
		y := out(len(y0))
		convForwardImplicit(g, x, w, bias, y, &s1)
		forward("masked tiles", y)
		if k, ok := blockedKernel(g); ok {
			y := out(len(y0))
			convForwardBlocked(g, k, x, w, bias, y, &s1)
			forward(fmt.Sprintf("channel blocks (%dx%d)", k.nv, k.pixels), y)
		}
		dx := out(len(dx0))
		convGradInputImplicit(g, w, dy, dx, &s1)
		inputGrad("scatter", dx)
		if k, ok := gradInputKernel(g); ok {
			dx := out(len(dx0))
			convGradInputAsConv(g, k, w, dy, dx, &s1, &s2)
			inputGrad("as a convolution", dx)
		}
		if useImplicitGradWeight(g) {
			dw := out(len(dw0))
			convGradWeightImplicit(g, x, dy, dw, &s1)
			weightGrad("masked tiles", dw)
		}
		if useChannelLastGradWeight(g) {
			dw := out(len(dw0))
			convGradWeightChannelLast(g, x, dy, dw, &s1)
			weightGrad("channel-last", dw)
		}
	}
}
