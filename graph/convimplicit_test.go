package graph

import (
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
		run := func(implicit bool) (y, dx, dw []float32) {
			implicitConv = implicit
			defer func() { implicitConv = true }()
			y, dx, dw = make([]float32, len(dy)), make([]float32, len(x)), make([]float32, len(w))
			gradW := &conv2dGradOp{fwd: &conv2dOp{pad: g.pad}, wrt: 1}
			convBackward(gradW, g, xt, x, w, dy, dw)
			if useImplicit(g) != implicit {
				t.Fatalf("%v: implicit path %v", g, useImplicit(g))
			}
			if implicit {
				var s scratch
				convForwardImplicit(g, x, w, bias, y, &s)
				convGradInputImplicit(g, w, dy, dx, &s)
			} else {
				var c colBuffers
				convForward(g, x, w, bias, y, blockColumns[float32](&c, g, tensor.Float32))
				op := &conv2dGradOp{fwd: &conv2dOp{pad: g.pad}, wrt: 0}
				convBackward(op, g, nil, x, w, dy, dx)
			}
			return y, dx, dw
		}
		y0, dx0, dw0 := run(false)
		y1, dx1, dw1 := run(true)
		gradInputAsConv = !gradInputAsConv
		_, dx2, _ := run(true)
		gradInputAsConv = !gradInputAsConv
		for name, pair := range map[string][2][]float32{"y": {y0, y1}, "dx": {dx0, dx1}, "dx, the other way": {dx0, dx2}, "dW": {dw0, dw1}} {
			for i := range pair[0] {
				if d := math.Abs(float64(pair[0][i] - pair[1][i])); d > 1e-5*float64(g.rows()+g.o+g.n*g.hw()) {
					t.Fatalf("%v: %s[%d] implicit %v, im2col %v", g, name, i, pair[1][i], pair[0][i])
				}
			}
		}
	}
}
