//go:build !amd64 || purego

package sgemm

var kernels = []kernel{goKernel}

var best = kernels[0]

// rowKernel: none here (sgemm.go, gemvRow).
var rowKernel func(k int, a, b, c *float32, ldb int, masks uint64, add bool)

// FMAPeak is the arithmetic limit of one core where there is a vector
// kernel; here there is none, and it does nothing and returns 0.
func FMAPeak(n int) float64 { return 0 }

func transpose8(src []float32, lds int, dst []float32, ldd int, n int) {
	transpose8Go(src, lds, dst, ldd, 0, n)
}
