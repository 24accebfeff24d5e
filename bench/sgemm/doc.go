// Package sgemm measures this machine's single-precision matrix product
// rate, the limit the zoo's models are held against (bench/compare.sh): gonum's
// pure-Go sgemm and, built with -tags openblas, OpenBLAS through
// gonum.org/v1/netlib, at 1024³ and at the shapes of cnn2's convolutions.
//
//	go test -run '^$' -bench Sgemm ./bench/sgemm
//	go test -tags openblas -run '^$' -bench Sgemm ./bench/sgemm
//	OPENBLAS_NUM_THREADS=2 go test -tags openblas -run '^$' -bench 'Sgemm/openblas/1024/serial' ./bench/sgemm
//
// Each benchmark reports GFLOP/s (2·m·n·k per product). "serial" is one
// product at a time (gonum splits a large one across GOMAXPROCS goroutines;
// OpenBLAS uses its own threads, one unless OPENBLAS_NUM_THREADS says
// otherwise, see graph/blas_openblas.go); "parallel" runs GOMAXPROCS
// independent products at once, as the zoo's convolutions do.
package sgemm
