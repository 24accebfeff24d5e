//go:build !amd64 || purego

package sgemm

var kernels = []kernel{goKernel}

var best = kernels[0]

func fmaPeak(n int) float64 { return 0 }
