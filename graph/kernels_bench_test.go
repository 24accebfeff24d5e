package graph

import (
	"fmt"
	"github.com/gorgonia-zoo/zoo/internal/prereq"
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

// BenchmarkConvImplicit times the implicit float32 convolution passes alone
// on cnn2's layers (100 samples: 1×28×28 into 16, 16×14×14 into 32, 5×5),
// in GFLOP/s of the product each pass amounts to.
func BenchmarkConvImplicit(b *testing.B) {
	if !hasAVX512 {
		prereq.NoAVX512(b, "no AVX-512: the implicit path is not used")
	}
	for _, g := range []convGeom{
		{n: 100, c: 1, h: 28, w: 28, o: 16, k: 5, pad: 2, ho: 28, wo: 28},
		{n: 100, c: 16, h: 14, w: 14, o: 32, k: 5, pad: 2, ho: 14, wo: 14},
	} {
		r := rand.New(rand.NewPCG(1, 2))
		random := func(n int) []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = r.Float32() - 0.5
			}
			return s
		}
		x, w, bias, dy := random(g.n*g.inSize()), random(g.o*g.rows()), random(g.o), random(g.n*g.o*g.hw())
		y, dx, dw := make([]float32, len(dy)), make([]float32, len(x)), make([]float32, len(w))
		var s, s2 scratch
		flops := 2 * float64(g.macs())
		passes := []struct {
			name string
			run  func()
		}{
			{"forward-masked", func() { convForwardImplicit(g, x, w, bias, y, &s) }},
			{"input-gradient-scatter", func() { convGradInputImplicit(g, w, dy, dx, &s) }},
		}
		if k, ok := gradInputKernel(g); ok {
			passes = append(passes, struct {
				name string
				run  func()
			}{"input-gradient-as-conv", func() { convGradInputAsConv(g, k, w, dy, dx, &s, &s2) }})
		}
		if k, ok := blockedKernel(g); ok {
			passes = append(passes, struct {
				name string
				run  func()
			}{"forward-blocked", func() { convForwardBlocked(g, k, x, w, bias, y, &s) }})
		}
		if useImplicitGradWeight(g) {
			passes = append(passes, struct {
				name string
				run  func()
			}{"weight-gradient-masked", func() { convGradWeightImplicit(g, x, dy, dw, &s) }})
		}
		if useChannelLastGradWeight(g) {
			passes = append(passes, struct {
				name string
				run  func()
			}{"weight-gradient-channel-last", func() { convGradWeightChannelLast(g, x, dy, dw, &s) }})
		}
		for _, pass := range passes {
			b.Run(fmt.Sprintf("c%d-o%d/%s", g.c, g.o, pass.name), func(b *testing.B) {
				for b.Loop() {
					pass.run()
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
