package sgemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is gonum's BLAS with Sgemm replaced by this package's, for
// gorgonia.Use and blas32.Use.
type Implementation struct{ gonum.Implementation }

// Sgemm is the blas.Float32Level3 method: row-major, as gonum's, with its
// argument checks (it panics on bad sizes, strides or lengths).
func (Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	transA, transB := tA == blas.Trans || tA == blas.ConjTrans, tB == blas.Trans || tB == blas.ConjTrans
	if (tA != blas.NoTrans && !transA) || (tB != blas.NoTrans && !transB) {
		panic("blas: illegal transpose")
	}
	Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
