package sgemm

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/zoo/graph"
)

// shapes are C (m×n) = A (m×k) · B (k×n): a large square product, and the
// products cnn2's convolutions make per sample at batch 100 (the zoo's
// im2col layout, graph/convop.go).
var shapes = []struct {
	name    string
	m, n, k int
}{
	{"1024", 1024, 1024, 1024},
	{"conv1-forward", 16, 784, 25},  // W (16×25) · col (25×784)
	{"conv2-forward", 32, 196, 400}, // W (32×400) · col (400×196)
	{"conv2-dW", 32, 400, 196},      // dy (32×196) · colᵀ
	{"conv2-dx", 400, 196, 32},      // Wᵀ (400×32) · dy
	// The same products over a block of 12 samples at once.
	{"conv2-forward-x12", 32, 12 * 196, 400},
	{"conv2-dW-x12", 32, 400, 12 * 196},
	{"conv2-dx-x12", 400, 12 * 196, 32},
}

type implementation struct {
	name string
	impl blas.Float32Level3
}

// implementations are gonum's pure-Go BLAS and, when the build installed
// another one (-tags openblas), the BLAS Gorgonia and the zoo use.
func implementations() []implementation {
	impls := []implementation{{"gonum", gonum.Implementation{}}}
	if _, pure := G.WhichBLAS().(gonum.Implementation); !pure {
		impls = append(impls, implementation{"openblas", G.WhichBLAS()})
	}
	return impls
}

// The zoo's BLAS is set up by package graph (graph/blas_openblas.go).
var _ = graph.BLAS

func operands(m, n, k int) (a, b, c []float32) {
	r := rand.New(rand.NewPCG(uint64(m), uint64(n*k)))
	a, b, c = make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = r.Float32() - 0.5
	}
	for i := range b {
		b[i] = r.Float32() - 0.5
	}
	return a, b, c
}

func BenchmarkSgemm(b *testing.B) {
	for _, im := range implementations() {
		for _, s := range shapes {
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
			b.Run(im.name+"/"+s.name+"/serial", func(b *testing.B) {
				x, y, z := operands(s.m, s.n, s.k)
				for b.Loop() {
					im.impl.Sgemm(blas.NoTrans, blas.NoTrans, s.m, s.n, s.k, 1, x, s.k, y, s.n, 0, z, s.n)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			b.Run(im.name+"/"+s.name+"/parallel", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					x, y, z := operands(s.m, s.n, s.k)
					for pb.Next() {
						im.impl.Sgemm(blas.NoTrans, blas.NoTrans, s.m, s.n, s.k, 1, x, s.k, y, s.n, 0, z, s.n)
					}
				})
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestSgemmAgrees: the implementations compute the same product (to
// float32 rounding), so the rates compare like with like.
func TestSgemmAgrees(t *testing.T) {
	impls := implementations()
	for _, s := range shapes[1:] {
		a, bm, want := operands(s.m, s.n, s.k)
		impls[0].impl.Sgemm(blas.NoTrans, blas.NoTrans, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, want, s.n)
		for _, im := range impls[1:] {
			got := make([]float32, len(want))
			im.impl.Sgemm(blas.NoTrans, blas.NoTrans, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, got, s.n)
			for i := range got {
				if d := got[i] - want[i]; d > 1e-3 || d < -1e-3 {
					t.Fatalf("%s %s: C[%d] = %v, gonum %v", im.name, s.name, i, got[i], want[i])
				}
			}
		}
	}
}
