package graph

import (
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/internal/sgemm"
)

// blasFloat is the element type of the kernels that call BLAS: exactly
// float32 (sgemm) or float64 (dgemm).
type blasFloat interface{ float32 | float64 }

// gemm is C = alpha·op(A)·op(B) + beta·C, row-major, through the BLAS that
// Gorgonia uses (gorgonia.Use switches it), so that the zoo's ops and
// Gorgonia's own matrix products run on the same implementation.
//
// The ops call gemm from their own goroutines, one per core: the zoo's
// sgemm runs on the caller's alone here.
func gemm[T blasFloat](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	impl := G.WhichBLAS()
	if _, own := impl.(sgemm.Implementation); own {
		if a, ok := any(a).([]float32); ok {
			sgemm.SgemmSerial(transA, transB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
			return
		}
	}
	if isGonum(impl) && (m > gonumRows || n > gonumCols) {
		gemmInPieces(impl, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemmWith(impl, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gonum's sgemm and dgemm start goroutines of their own, with channels, for
// a product of four or more 64×64 blocks of C: per call, while the ops
// already run their samples on every core. gemm hands gonum pieces of C of
// at most gonumRows×gonumCols (three blocks), which it computes on the
// calling goroutine: the same sums in the same order, except A·Bᵀ with k
// over 64, whose dot products gonum's parallel path takes in chunks of 64
// (TestGemmPiecesMatchGonum).
const (
	gonumRows = 64
	gonumCols = 3 * 64
)

// gemmInPieces is gemm as pieces of C of at most gonumRows×gonumCols, cut
// evenly.
func gemmInPieces[T blasFloat](impl G.BLAS, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	rowPieces, colPieces := (m+gonumRows-1)/gonumRows, (n+gonumCols-1)/gonumCols
	for ri := 0; ri < rowPieces; ri++ {
		i0, i1 := ri*m/rowPieces, (ri+1)*m/rowPieces
		var ap []T
		if transA {
			ap = a[i0:] // columns i0.. of the stored Aᵀ
		} else {
			ap = a[i0*lda:] // rows i0.. of A
		}
		for ci := 0; ci < colPieces; ci++ {
			j0, j1 := ci*n/colPieces, (ci+1)*n/colPieces
			var bp []T
			if transB {
				bp = b[j0*ldb:] // rows j0.. of the stored Bᵀ
			} else {
				bp = b[j0:] // columns j0.. of B
			}
			gemmWith(impl, transA, transB, i1-i0, j1-j0, k, alpha, ap, lda, bp, ldb, beta, c[i0*ldc+j0:], ldc)
		}
	}
}

func gemmWith[T blasFloat](impl G.BLAS, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	switch a := any(a).(type) {
	case []float32:
		impl.Sgemm(ta, tb, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		impl.Dgemm(ta, tb, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// axpy is y += x through gonum's level-1 BLAS, whose unit-stride axpy is
// SIMD assembly on amd64 (a cgo call per short run would cost more than the
// run). It multiplies by 1 and adds, so each sum is the one a Go loop makes.
func axpy[T blasFloat](x, y []T) {
	switch x := any(x).(type) {
	case []float32:
		gonum.Implementation{}.Saxpy(len(x), 1, x, 1, any(y).([]float32), 1)
	case []float64:
		gonum.Implementation{}.Daxpy(len(x), 1, x, 1, any(y).([]float64), 1)
	}
}

// maxBlocks bounds the number of sample blocks a batch is cut into. The
// partition depends on the batch size alone, not on GOMAXPROCS, and per-block
// partial sums are added in block order: a reduction (weight and bias
// gradients) gives bit-identical results on any number of cores, while up to
// maxBlocks cores share the work.
const maxBlocks = 8

// parallelWork is the estimated work (about one unit per multiply-add or
// element moved) below which a loop over blocks stays on one goroutine:
// starting goroutines costs microseconds, which small test graphs would feel.
const parallelWork = 1 << 16

// blockCount is the number of sample blocks for a batch of n.
func blockCount(n int) int { return max(1, min(n, maxBlocks)) }

// blockRange is the samples [lo, hi) of block i of blocks.
func blockRange(n, blocks, i int) (lo, hi int) { return i * n / blocks, (i + 1) * n / blocks }

// forBlocks calls f once for each sample block of a batch of n, on up to
// GOMAXPROCS goroutines when work is worth it. Blocks are handed out in
// order as workers free up (the machine may be shared); f must write only to
// its samples and to per-block scratch, so that which worker ran a block
// does not matter.
func forBlocks(n int, work int, f func(block, lo, hi int)) {
	forBlocksOf(blockCount(n), n, work, f)
}

// forBlocksOf is forBlocks with the number of blocks given: a partition that
// depends on sizes alone, as forBlocks'.
func forBlocksOf(blocks, n int, work int, f func(block, lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), blocks)
	if workers <= 1 || work < parallelWork {
		for i := 0; i < blocks; i++ {
			lo, hi := blockRange(n, blocks, i)
			f(i, lo, hi)
		}
		return
	}
	var next atomic.Int64
	run := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= blocks {
				return
			}
			lo, hi := blockRange(n, blocks, i)
			f(i, lo, hi)
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Go(run)
	}
	run()
	wg.Wait()
}

// addBlocks sets out[:size] to the sum of the blocks' partial results,
// partial[b·size:(b+1)·size] for b < blocks, added in block order: a sum
// over the batch that does not depend on how many cores computed the blocks.
func addBlocks[T blasFloat](out, partial []T, blocks, size int) {
	copy(out, partial[:size])
	for block := 1; block < blocks; block++ {
		for j, v := range partial[block*size : (block+1)*size] {
			out[j] += v
		}
	}
}

// scratch is a buffer an op keeps between steps, grown on demand, so that
// steps after the first allocate nothing for it.
type scratch struct {
	f32 []float32
	f64 []float64
}

// get returns the buffer as n elements of T. Its contents are whatever the
// last user left.
func get[T blasFloat](s *scratch, n int) []T {
	var zero T
	switch any(zero).(type) {
	case float32:
		if cap(s.f32) < n {
			s.f32 = make([]float32, n)
		}
		return any(s.f32[:n]).([]T)
	default:
		if cap(s.f64) < n {
			s.f64 = make([]float64, n)
		}
		return any(s.f64[:n]).([]T)
	}
}

// reuseOutputs makes the ops hand back the same output tensor every step
// instead of a new one (see output). A variable so that benchmarks can
// compare both.
var reuseOutputs = true

// output returns the tensor an op writes its result into: the one it
// returned last time when shape and dtype agree, or a new zeroed one. A
// tape machine forgets every value at Reset and the next run overwrites them
// all before reading, so handing back the same tensor is safe and saves one
// large allocation (and its zeroing and collection) per op and step.
func output(last **tensor.Dense, dt tensor.Dtype, shape ...int) *tensor.Dense {
	if reuseOutputs {
		if t := *last; t != nil && t.Dtype() == dt && t.Shape().Eq(tensor.Shape(shape)) {
			return t
		}
	}
	t := tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
	if reuseOutputs {
		*last = t
	}
	return t
}

// fill sets every element of s to v: one store, then copies that double the
// filled prefix, which memmove makes 16 or 32 bytes at a time where a Go
// loop stores one element per iteration (a conv layer's bias rows are 1.9 M
// elements a cnn2 step).
func fill[T blasFloat](s []T, v T) {
	if len(s) == 0 {
		return
	}
	s[0] = v
	for done := 1; done < len(s); done *= 2 {
		copy(s[done:], s[:done])
	}
}

// rowSums sets sums[i] to the sum of row i of the rows×cols matrix m, in T's
// arithmetic, as the dot product with ones (len ≥ cols) through gonum's
// unit-stride dot, SIMD assembly on amd64: ten times a float64 running sum,
// whose every addition waits for the one before.
func rowSums[T blasFloat](m []T, rows, cols int, ones, sums []T) {
	impl := gonum.Implementation{}
	switch m := any(m).(type) {
	case []float32:
		ones, sums := any(ones).([]float32), any(sums).([]float32)
		for i := range rows {
			sums[i] = impl.Sdot(cols, m[i*cols:(i+1)*cols], 1, ones, 1)
		}
	case []float64:
		ones, sums := any(ones).([]float64), any(sums).([]float64)
		for i := range rows {
			sums[i] = impl.Ddot(cols, m[i*cols:(i+1)*cols], 1, ones, 1)
		}
	}
}

// isGonum tells whether impl computes the products that reach gemmWith
// with gonum's kernels, which start goroutines of their own for large
// products: gonum's BLAS, and the zoo's sgemm.Implementation for float64
// (it embeds gonum's; its float32 products never get here).
func isGonum(impl G.BLAS) bool {
	switch impl.(type) {
	case gonum.Implementation, sgemm.Implementation:
		return true
	}
	return false
}
