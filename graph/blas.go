//go:build !openblas

package graph

import (
	"runtime"

	"gonum.org/v1/gonum/blas/blas32"
	G "gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/zoo/internal/sgemm"
)

// ownGEMM is whether the zoo's float32 product serves this build: everywhere
// but on amd64 CPUs without AVX2 and FMA (or the purego tag), where its
// portable Go kernel is slower than gonum's SSE assembly.
var ownGEMM = sgemm.Vectorized() || runtime.GOARCH != "amd64"

// init makes the zoo's float32 product (internal/sgemm: Go assembly, no cgo)
// the matrix product of Gorgonia, of the zoo's ops and of gonum's blas32;
// float64 products stay gonum's.
func init() {
	if !ownGEMM {
		return
	}
	impl := sgemm.Implementation{}
	G.Use(impl)
	blas32.Use(impl)
}

// BLAS names the BLAS the zoo's matrix products run on: in the default
// build the zoo's own float32 GEMM and its micro-kernels for this CPU, with
// gonum for the rest. Build with -tags openblas for OpenBLAS.
func BLAS() string {
	if !ownGEMM {
		return "gonum (pure Go and SSE)"
	}
	return "zoo sgemm (" + sgemm.Kernel() + ") + gonum"
}
