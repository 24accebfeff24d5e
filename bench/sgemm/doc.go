// Package sgemm measures this machine's single-precision matrix product
// rate, the limit the zoo's models are held against (bench/compare.sh): the
// zoo's own sgemm (internal/sgemm, Go assembly, the default build's BLAS),
// gonum's pure-Go sgemm and, built with -tags openblas, OpenBLAS through
// gonum.org/v1/netlib, at 1024³ and at the shapes of cnn2's convolutions;
// and the CPU's arithmetic peak, register-only fused multiply-adds
// (sgemm.FMAPeak).
//
//	go test -run '^$' -bench 'Sgemm|FMAPeak' ./bench/sgemm
//	go test -tags openblas -run '^$' -bench 'Sgemm|FMAPeak' ./bench/sgemm
//	OPENBLAS_NUM_THREADS=2 go test -tags openblas -run '^$' -bench 'Sgemm/openblas/1024/serial' ./bench/sgemm
//	go test -cpu 1 -run '^$' -bench 'Sgemm/gonum/.*/serial' ./bench/sgemm
//
// Each benchmark reports GFLOP/s (2·m·n·k per product). "serial" is one
// product at a time: the zoo's on one goroutine (sgemm.SgemmSerial); gonum
// splits a large one across GOMAXPROCS goroutines (-cpu 1 for one core);
// OpenBLAS uses its own threads, one unless OPENBLAS_NUM_THREADS says
// otherwise (see graph/blas_openblas.go). "parallel" runs GOMAXPROCS
// independent products at once, as the zoo's convolutions do. "allcores"
// (the zoo's) is one product split across GOMAXPROCS goroutines
// (sgemm.Sgemm), the counterpart of OpenBLAS's serial with
// OPENBLAS_NUM_THREADS set to the cores.
//
// BenchmarkFMAPeak/serial is one core's FMA peak, BenchmarkFMAPeak/parallel
// that of GOMAXPROCS goroutines at once; both are skipped where the zoo has
// no vector kernel.
package sgemm
