package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
)

// TestBLASNamesWhatGorgoniaUses: BLAS() must say what the build installed,
// since the zoo records it next to every timing.
func TestBLASNamesWhatGorgoniaUses(t *testing.T) {
	impl := fmt.Sprintf("%T", G.WhichBLAS())
	if strings.HasPrefix(BLAS(), "OpenBLAS") != strings.Contains(impl, "netlib") {
		t.Errorf("BLAS() = %q, but Gorgonia uses %s", BLAS(), impl)
	}
}

// TestGemmPiecesMatchGonum: the pieces gemm hands to gonum (each computed
// on the calling goroutine) give what one call to gonum gives (in parallel
// when the product is large), for every transposition, padded leading
// dimensions and both betas: exactly, except for A·Bᵀ with k over 64, whose
// dot products gonum's parallel path takes in chunks of 64 and then adds,
// where they agree to rounding.
func TestGemmPiecesMatchGonum(t *testing.T) {
	shapes := []struct{ m, n, k int }{{400, 196, 32}, {32, 400, 196}, {32, 196, 400}, {130, 500, 70}, {65, 193, 3}, {7, 9, 5}}
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range shapes {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, beta := range []float64{0, 1} {
				name := fmt.Sprintf("%dx%dx%d/trans%v/beta%v", s.m, s.n, s.k, tr, beta)
				t.Run(name, func(t *testing.T) {
					checkGemmPieces[float32](t, r, s.m, s.n, s.k, tr[0], tr[1], beta)
					checkGemmPieces[float64](t, r, s.m, s.n, s.k, tr[0], tr[1], beta)
				})
			}
		}
	}
}

func checkGemmPieces[T blasFloat](t *testing.T, r *rand.Rand, m, n, k int, transA, transB bool, beta float64) {
	random := func(n int) []T {
		v := make([]T, n)
		for i := range v {
			v[i] = T(r.Float64()*2 - 1)
		}
		return v
	}
	// Stored shapes, each with 3 columns of padding.
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	lda, ldb, ldc := ac+3, bc+3, n+3
	a, b, c := random(ar*lda), random(br*ldb), random(m*ldc)
	want := append([]T(nil), c...)
	gemmWith(gonum.Implementation{}, transA, transB, m, n, k, 0.5, a, lda, b, ldb, T(beta), want, ldc)
	gemmInPieces(gonum.Implementation{}, transA, transB, m, n, k, 0.5, a, lda, b, ldb, T(beta), c, ldc)
	tol := 0.0
	if !transA && transB && k > 64 {
		tol = 1e-5 // float32 rounding of sums of k terms of magnitude ≤ 1
		if _, f64 := any(c[0]).(float64); f64 {
			tol = 1e-13
		}
	}
	for i := range c {
		if d := math.Abs(float64(c[i] - want[i])); d > tol*float64(k) {
			t.Fatalf("%T: C[%d] = %v in pieces, %v in one call", c[0], i, c[i], want[i])
		}
	}
}
