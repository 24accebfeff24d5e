package sgemm

import (
	"fmt"
	"github.com/gorgonia-zoo/zoo/internal/prereq"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// naive is C = alpha·op(A)·op(B) + beta·C by the definition, in float64.
func naive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) []float64 {
	out := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			if alpha != 0 {
				for p := 0; p < k; p++ {
					ai, bi := i*lda+p, p*ldb+j
					if transA {
						ai = p*lda + i
					}
					if transB {
						bi = j*ldb + p
					}
					av, bv := a[ai], b[bi]
					s += float64(av) * float64(bv)
				}
			}
			v := float64(alpha) * s
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
			}
			out[i*n+j] = v
		}
	}
	return out
}

type problem struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	lda, ldb, ldc  int
	a, b, c        []float32
}

func newProblem(r *rand.Rand, transA, transB bool, m, n, k int, alpha, beta float32, pad int) problem {
	p := problem{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	ar, ac := stored(transA, m, k)
	br, bc := stored(transB, k, n)
	p.lda, p.ldb, p.ldc = max(1, ac)+pad, max(1, bc)+pad, max(1, n)+pad
	fillRand := func(rows, ld int) []float32 {
		s := make([]float32, rows*ld)
		for i := range s {
			s[i] = r.Float32()*2 - 1
		}
		return s
	}
	p.a, p.b, p.c = fillRand(ar, p.lda), fillRand(br, p.ldb), fillRand(m, p.ldc)
	return p
}

func (p problem) run(kern kernel, workers int) []float32 {
	c := append([]float32(nil), p.c...)
	gemm(kern, workers, p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc)
	return c
}

// check compares got with the naive product within float32 rounding of a
// sum of k products, and checks that C's padding columns are untouched.
func (p problem) check(t *testing.T, what string, got []float32) {
	t.Helper()
	p.checkAgainst(t, what, got, p.naive())
}

func (p problem) naive() []float64 {
	return naive(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc)
}

func (p problem) checkAgainst(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	tol := 1e-6 * float64(p.k+4) * 4
	for i := 0; i < p.m; i++ {
		for j := 0; j < p.ldc; j++ {
			g := got[i*p.ldc+j]
			if j >= p.n {
				if g != p.c[i*p.ldc+j] && !(g != g && p.c[i*p.ldc+j] != p.c[i*p.ldc+j]) {
					t.Fatalf("%s: padding C[%d][%d] changed", what, i, j)
				}
				continue
			}
			w := want[i*p.n+j]
			if math.IsNaN(w) != math.IsNaN(float64(g)) || math.Abs(float64(g)-w) > tol*(1+math.Abs(w)) {
				t.Fatalf("%s: C[%d][%d] = %v, want %v", what, i, j, g, w)
			}
		}
	}
}

var edgeSizes = []int{1, 2, 5, 15, 16, 17, 63, 100}

// TestKernelsAgainstNaive runs every kernel this CPU has on sizes that hit
// every edge of every tile and block, all four transpose cases, alpha and
// beta 0, 1 and other values, and padded strides.
func TestKernelsAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	scalars := []float32{0, 1, -0.5}
	for _, kern := range kernels {
		t.Run(kern.String(), func(t *testing.T) {
			count := 0
			for _, m := range edgeSizes {
				for _, n := range edgeSizes {
					for _, k := range []int{1, 7, 63, 300} {
						tr := count % 4
						alpha, beta := scalars[count%3], scalars[(count/3)%3]
						pad := count % 3
						count++
						p := newProblem(r, tr&1 != 0, tr&2 != 0, m, n, k, alpha, beta, pad)
						p.check(t, fmt.Sprintf("%s m=%d n=%d k=%d tA=%v tB=%v alpha=%v beta=%v pad=%d", kern, m, n, k, p.transA, p.transB, alpha, beta, pad), p.run(kern, 1+count%3))
					}
				}
			}
		})
	}
}

// TestLargeBlocks crosses the kc, mc and nc block boundaries.
func TestLargeBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for tr := 0; tr < 4; tr++ {
		p := newProblem(r, tr&1 != 0, tr&2 != 0, mc+37, nc+45, 2*kc+11, 1, 1, 3)
		want := p.naive()
		for _, kern := range kernels {
			p.checkAgainst(t, fmt.Sprintf("%s tr=%d", kern, tr), p.run(kern, 3), want)
		}
	}
	p := newProblem(r, false, false, 784, 100, 100, 1, 0, 0)
	p.check(t, "784x100x100", p.run(best, 2))
}

// TestSameBitsForAnyWorkersAndKernel: the partition among goroutines does
// not change a single bit of any kernel's product, nor does the tile of the
// fused multiply-add kernels (the Go kernel rounds its products apart, so
// it is compared with itself only). Where fewer than two such kernels run
// (purego, a CPU without FMA), the kernels part is skipped, saying so.
func TestSameBitsForAnyWorkersAndKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var problems []problem
	for _, s := range [][3]int{{32, 1960, 400}, {400, 1960, 32}, {300, 301, 700}} {
		problems = append(problems, newProblem(r, false, true, s[0], s[1], s[2], 1, 0, 0))
	}
	same := func(t *testing.T, what string, got, want []float32) {
		t.Helper()
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: element %d is %v, want %v", what, i, got[i], want[i])
			}
		}
	}
	t.Run("workers", func(t *testing.T) {
		for _, p := range problems {
			for _, kern := range kernels {
				ref := p.run(kern, 1)
				for _, workers := range []int{2, 3, 8} {
					same(t, fmt.Sprintf("%dx%dx%d %s, %d workers against 1", p.m, p.n, p.k, kern, workers), p.run(kern, workers), ref)
				}
			}
		}
	})
	t.Run("kernels", func(t *testing.T) {
		var fused []kernel
		for _, kern := range kernels {
			if kern.isa != goKernel.isa {
				fused = append(fused, kern)
			}
		}
		if len(fused) < 2 {
			t.Skipf("%d fused multiply-add kernel(s) here (%v): no two tiles to compare", len(fused), kernels)
		}
		for _, p := range problems {
			ref := p.run(fused[0], 1)
			for _, kern := range fused[1:] {
				same(t, fmt.Sprintf("%dx%dx%d %s against %s", p.m, p.n, p.k, kern, fused[0]), p.run(kern, 3), ref)
			}
		}
	})
}

// TestNaNPropagates: a NaN in A or B reaches exactly the row or column of C
// it is in; a NaN in C is ignored when beta is 0; nothing is read when alpha
// is 0.
func TestNaNPropagates(t *testing.T) {
	nan := float32(math.NaN())
	for _, kern := range kernels {
		r := rand.New(rand.NewPCG(7, 8))
		p := newProblem(r, false, false, 17, 33, 20, 1, 0, 0)
		p.a[5*p.lda+3] = nan  // row 5
		p.b[2*p.ldb+30] = nan // column 30
		p.c[0] = nan          // beta 0: not read
		got := p.run(kern, 2)
		for i := 0; i < p.m; i++ {
			for j := 0; j < p.n; j++ {
				if isNaN := got[i*p.ldc+j] != got[i*p.ldc+j]; isNaN != (i == 5 || j == 30) {
					t.Fatalf("%s: C[%d][%d] = %v", kern, i, j, got[i*p.ldc+j])
				}
			}
		}
		p.alpha, p.beta = 0, 1
		p.c[0] = 1
		got = p.run(kern, 1)
		for i := range got {
			if got[i] != p.c[i] {
				t.Fatalf("%s: alpha 0 beta 1 changed C[%d]: %v -> %v", kern, i, p.c[i], got[i])
			}
		}
	}
}

func TestBadArgumentsPanic(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"negative m", func() { Sgemm(false, false, -1, 1, 1, 1, nil, 1, nil, 1, 0, nil, 1) }},
		{"short a", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"short lda", func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 6), 2, make([]float32, 6), 2, 0, make([]float32, 4), 2)
		}},
		{"short c", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
		}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			tc.f()
		}()
	}
}

func FuzzSgemm(f *testing.F) {
	f.Add(uint8(5), uint8(17), uint8(3), uint8(0), uint8(1), uint64(1))
	f.Add(uint8(64), uint8(1), uint8(100), uint8(3), uint8(2), uint64(2))
	f.Fuzz(func(t *testing.T, m, n, k, tr, pad uint8, seed uint64) {
		r := rand.New(rand.NewPCG(seed, 9))
		alpha, beta := []float32{1, 0, 2.5}[seed%3], []float32{0, 1, -1}[(seed/3)%3]
		p := newProblem(r, tr&1 != 0, tr&2 != 0, int(m%130), int(n%130), int(k)+int(pad)*40, alpha, beta, int(pad%4))
		for _, kern := range kernels {
			p.check(t, kern.String(), p.run(kern, 1+int(seed%3)))
		}
	})
}

// BenchmarkKernel times each micro-kernel and tile shape on square and on
// the zoo's layer shapes, one goroutine (GFLOP/s).
func BenchmarkKernel(b *testing.B) {
	shapes := [][3]int{{1024, 1024, 1024}, {32, 19600, 400}, {400, 19600, 32}, {32, 400, 19600}, {100, 100, 784}}
	for _, kern := range kernels {
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			b.Run(fmt.Sprintf("%s/%dx%dx%d", kern, m, n, k), func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 1))
				p := newProblem(r, false, false, m, n, k, 1, 0, 0)
				for b.Loop() {
					gemm(kern, 1, false, false, m, n, k, 1, p.a, p.lda, p.b, p.ldb, 0, p.c, p.ldc)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestTunedShapesKeepTheirBits: while the first calls of a shape try the
// tiles in turn and after one is chosen, every call gives the same bits.
func TestTunedShapesKeepTheirBits(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	p := newProblem(r, false, false, 32, 196, 400, 1, 0, 0)
	ref := p.run(best, 1)
	calls := 0
	for ; calls < 200; calls++ {
		got := append([]float32(nil), p.c...)
		SgemmSerial(false, false, p.m, p.n, p.k, 1, p.a, p.lda, p.b, p.ldb, 0, got, p.ldc)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(ref[i]) {
				t.Fatalf("call %d: element %d is %v, want %v", calls, i, got[i], ref[i])
			}
		}
	}
	v, ok := tunings.Load(tuneKey{m: 32, n: 196, k: 400})
	if !ok {
		t.Fatal("the shape was not tuned")
	}
	tu := v.(*tuning)
	if tu.chosen.Load() == 0 && best.isa != goKernel.isa {
		t.Fatalf("no tile chosen after %d calls of %d candidates", calls, len(tu.cands))
	}
}

// TestImplementationMatchesGonum checks the blas.Float32Level3 method, the
// form Gorgonia calls, against gonum's Sgemm on all four transpose cases.
func TestImplementationMatchesGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for tr := 0; tr < 4; tr++ {
		p := newProblem(r, tr&1 != 0, tr&2 != 0, 37, 53, 71, 0.5, 2, 1)
		tA, tB := blas.NoTrans, blas.NoTrans
		if p.transA {
			tA = blas.Trans
		}
		if p.transB {
			tB = blas.Trans
		}
		got, want := append([]float32(nil), p.c...), append([]float32(nil), p.c...)
		Implementation{}.Sgemm(tA, tB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, got, p.ldc)
		gonum.Implementation{}.Sgemm(tA, tB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, want, p.ldc)
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-4 {
				t.Fatalf("tr=%d: element %d is %v, gonum %v", tr, i, got[i], want[i])
			}
		}
	}
}

func TestTranspose(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, sz := range [][2]int{{1, 1}, {8, 8}, {16, 196}, {13, 21}, {32, 7}} {
		rows, n := sz[0], sz[1]
		lds, ldd := n+3, rows+5
		src := make([]float32, rows*lds)
		for i := range src {
			src[i] = r.Float32()
		}
		dst := make([]float32, n*ldd)
		Transpose(src, lds, rows, n, dst, ldd)
		for i := 0; i < rows; i++ {
			for p := 0; p < n; p++ {
				if dst[p*ldd+i] != src[i*lds+p] {
					t.Fatalf("%dx%d: dst[%d][%d] = %v, want %v", rows, n, p, i, dst[p*ldd+i], src[i*lds+p])
				}
			}
		}
	}
}

// TestRowKernelKeepsTheTilesBits: one row of C through gemvRow gives every
// AVX-512 tile's bits, on widths around the 16-column vectors and the
// 64-column calls, depths across the kc blocks, both layouts of A, padded
// strides, and alpha and beta 0, 1 and other values.
func TestRowKernelKeepsTheTilesBits(t *testing.T) {
	if rowKernel == nil || best.isa != "avx512" {
		prereq.NoAVX512(t, "no AVX-512 here: the row kernel is not used")
	}
	r := rand.New(rand.NewPCG(7, 8))
	scalars := []float32{1, 0, -0.75}
	count := 0
	for _, n := range []int{1, 10, 15, 16, 17, 50, 63, 64, 65, 100, 129, 200} {
		for _, k := range []int{1, 3, 255, 256, 257, 784, 1568} {
			transA := count%2 == 1
			alpha, beta := scalars[count%3], scalars[(count/3)%3]
			p := newProblem(r, transA, false, 1, n, k, alpha, beta, count%3)
			count++
			useRowKernel = true
			got := p.run(best, 1)
			useRowKernel = false
			for _, kern := range kernels {
				if kern.isa != "avx512" {
					continue
				}
				want := p.run(kern, 1)
				for j := range got {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						useRowKernel = true
						t.Fatalf("n=%d k=%d transA=%v alpha=%v beta=%v: C[%d] = %v by the row kernel, %v by %s", n, k, transA, alpha, beta, j, got[j], want[j], kern)
					}
				}
			}
			useRowKernel = true
			p.check(t, fmt.Sprintf("row n=%d k=%d", n, k), got)
		}
	}
}
