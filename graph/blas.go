//go:build !openblas

package graph

// BLAS names the BLAS the zoo's matrix products run on: here Gonum's pure-Go
// implementation, Gorgonia's default. Build with -tags openblas for OpenBLAS.
func BLAS() string { return "gonum (pure Go)" }
