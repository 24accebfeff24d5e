// Package avx512 holds the AVX-512 kernels of package graph's ops, in Go
// assembly: the size-keeping convolutions' tiles read straight from the
// image (conv_amd64.s), the 2×2 max-pool of a plane (pool_amd64.s) and
// BatchNorm's passes (bn_amd64.s), all on float32 data. Each function's
// comment in its .s file gives its formula; graph/convimplicit.go,
// graph/poolop.go and graph/batchnorm.go call them and hold the plain Go
// that they replace and are tested against.
//
// They are a package of their own because Go assembly cannot sit in a
// package that uses cgo, as graph does in its OpenBLAS build. Enabled tells
// whether the CPU (and the build: amd64, no purego tag) runs them; where it
// is false every function panics, and graph takes its Go paths.
package avx512
