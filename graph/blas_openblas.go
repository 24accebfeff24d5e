//go:build openblas

package graph

// Linking OpenBLAS here (Debian: apt-get install libopenblas-dev) spares the
// user CGO_LDFLAGS: netlib's bindings name no library of their own.

/*
#cgo LDFLAGS: -lopenblas
void openblas_set_num_threads(int);
*/
import "C"

import (
	"os"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// init switches Gorgonia's matrix products (and through them tensor's), the
// zoo's convolutions, which call the BLAS Gorgonia uses, and any gonum code
// using blas32/blas64 to OpenBLAS.
//
// OpenBLAS runs one thread per call unless OPENBLAS_NUM_THREADS (or
// GOTO_NUM_THREADS, OMP_NUM_THREADS) says otherwise: the convolutions
// already split each batch across GOMAXPROCS goroutines, and OpenBLAS's own
// threads, which spin while they wait for work, then fight them for the
// cores; on 2 cores that made a cnn2 step about 2.5 times slower
// (bench/README.md).
func init() {
	if os.Getenv("OPENBLAS_NUM_THREADS") == "" && os.Getenv("GOTO_NUM_THREADS") == "" && os.Getenv("OMP_NUM_THREADS") == "" {
		C.openblas_set_num_threads(1)
	}
	impl := netlib.Implementation{}
	G.Use(impl)
	blas32.Use(impl)
	blas64.Use(impl)
}

// BLAS names the BLAS the zoo's matrix products run on: OpenBLAS, through
// gonum's netlib cgo bindings (the openblas build tag).
func BLAS() string { return "OpenBLAS (netlib)" }
