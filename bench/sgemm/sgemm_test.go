package sgemm

import (
	"github.com/gorgonia-zoo/zoo/internal/prereq"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/internal/sgemm"
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

// gemm is a row-major product without transposes, C = A·B: the sizes, then
// A, B and C with their strides.
type gemm func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int)

type implementation struct {
	name string
	// serial is one product on the calling goroutine, or, for gonum and
	// OpenBLAS, as they split it (gonum over GOMAXPROCS goroutines,
	// OpenBLAS over OPENBLAS_NUM_THREADS threads).
	serial gemm
	// allcores, when not nil, is one product on every core (the
	// "allcores" benchmarks).
	allcores gemm
}

func level3(impl blas.Float32Level3) gemm {
	return func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
		impl.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
	}
}

// implementations are the zoo's own sgemm (internal/sgemm, the default
// build's BLAS: SgemmSerial on one goroutine, Sgemm over GOMAXPROCS),
// gonum's pure-Go BLAS and, when the build installed another one
// (-tags openblas), the BLAS Gorgonia and the zoo then use.
func implementations() []implementation {
	impls := []implementation{
		{name: "zoo",
			serial: func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
				sgemm.SgemmSerial(false, false, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
			},
			allcores: func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
				sgemm.Sgemm(false, false, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
			}},
		{name: "gonum", serial: level3(gonum.Implementation{})},
	}
	switch G.WhichBLAS().(type) {
	case gonum.Implementation, sgemm.Implementation:
	default:
		impls = append(impls, implementation{name: "openblas", serial: level3(G.WhichBLAS())})
	}
	return impls
}

// The zoo's BLAS is set up by package graph (graph/blas.go,
// graph/blas_openblas.go).
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
					im.serial(s.m, s.n, s.k, x, s.k, y, s.n, z, s.n)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			b.Run(im.name+"/"+s.name+"/parallel", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					x, y, z := operands(s.m, s.n, s.k)
					for pb.Next() {
						im.serial(s.m, s.n, s.k, x, s.k, y, s.n, z, s.n)
					}
				})
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			if im.allcores == nil {
				continue
			}
			b.Run(im.name+"/"+s.name+"/allcores", func(b *testing.B) {
				x, y, z := operands(s.m, s.n, s.k)
				for b.Loop() {
					im.allcores(s.m, s.n, s.k, x, s.k, y, s.n, z, s.n)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// fmaRounds is the rounds of register-only FMAs one benchmark operation
// runs (sgemm.FMAPeak): about 50 MFLOP with AVX-512, well under a
// millisecond.
const fmaRounds = 1 << 16

// BenchmarkFMAPeak is the arithmetic limit the products are held against:
// independent fused multiply-adds of the CPU's widest vectors on registers
// alone (sgemm.FMAPeak), on one core (serial) and on GOMAXPROCS goroutines
// at once (parallel). Skipped where the zoo has no vector kernel.
func BenchmarkFMAPeak(b *testing.B) {
	perOp := sgemm.FMAPeak(1) * fmaRounds
	if perOp == 0 {
		prereq.NoAVX512(b, "no vector kernel on this CPU (sgemm.Kernel: "+sgemm.Kernel()+")")
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			sgemm.FMAPeak(fmaRounds)
		}
		b.ReportMetric(perOp*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("parallel", func(b *testing.B) {
		var flops atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			var done float64
			for pb.Next() {
				done += sgemm.FMAPeak(fmaRounds)
			}
			flops.Add(int64(done))
		})
		b.ReportMetric(float64(flops.Load())/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// TestSgemmAgrees: the implementations compute the same product (to
// float32 rounding), one core or all, so the rates compare like with like.
func TestSgemmAgrees(t *testing.T) {
	impls := implementations()
	ref := level3(gonum.Implementation{})
	for _, s := range shapes[1:] {
		a, bm, want := operands(s.m, s.n, s.k)
		ref(s.m, s.n, s.k, a, s.k, bm, s.n, want, s.n)
		for _, im := range impls {
			variants := map[string]gemm{"serial": im.serial, "allcores": im.allcores}
			for v, f := range variants {
				if f == nil {
					continue
				}
				got := make([]float32, len(want))
				f(s.m, s.n, s.k, a, s.k, bm, s.n, got, s.n)
				for i := range got {
					if d := got[i] - want[i]; d > 1e-3 || d < -1e-3 {
						t.Fatalf("%s %s %s: C[%d] = %v, gonum %v", im.name, v, s.name, i, got[i], want[i])
					}
				}
			}
		}
	}
}
