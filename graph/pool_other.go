//go:build !amd64 || purego

package graph

// pool2Row is the vector path of pool2, which only amd64 has.
func pool2Row(top, bottom, y []float32, idx []int32, base, w int) int { return 0 }
