package graph

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBatchNormKernelsFloat32: the float32 kernels (AVX-512 assembly where
// the CPU has it) agree with the same formulas in float64 on lengths that
// end in every tail, within float64 rounding for the sums and one float32
// rounding for the outputs (a float32 ulp for the input gradient, whose
// kernel fuses a multiply-add).
func TestBatchNormKernelsFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 196, 784} {
		x, dy := make([]float32, n), make([]float32, n)
		x64, dy64 := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], dy[i] = r.Float32()*4-1, r.Float32()-0.5
			x64[i], dy64[i] = float64(x[i]), float64(dy[i])
		}
		close := func(what string, got, want, scale float64) {
			t.Helper()
			if math.Abs(got-want) > 1e-12*scale {
				t.Fatalf("n=%d %s: %v, want %v", n, what, got, want)
			}
		}
		s, q := shiftedSums(x, 0.25)
		s64, q64 := shiftedSums(x64, 0.25)
		close("Σ(x-k)", s, s64, float64(n))
		close("Σ(x-k)²", q, q64, float64(n))
		d, dx := dySums(x, dy, 0.5)
		d64, dx64 := dySums(x64, dy64, 0.5)
		close("Σdy", d, d64, float64(n))
		close("Σdy·(x-μ)", dx, dx64, float64(n))

		y, y64 := make([]float32, n), make([]float64, n)
		normalise(x, y, 0.3, 1.7, -0.2)
		normalise(x64, y64, float64(float32(0.3)), float64(float32(1.7)), float64(float32(-0.2)))
		g, g64 := make([]float32, n), make([]float64, n)
		gradInput(x, dy, g, 1.3, 0.7, 0.05)
		gradInput(x64, dy64, g64, 1.3, 0.7, 0.05)
		for i := range y {
			if math.Abs(float64(y[i])-y64[i]) > 1e-6*(1+math.Abs(y64[i])) {
				t.Fatalf("n=%d normalise[%d]: %v, want %v", n, i, y[i], y64[i])
			}
			// The same float64 formula, but fused: the float32 result may
			// round the other way when the float64 one lies on a tie.
			if want := float32(g64[i]); math.Abs(float64(g[i]-want)) > 1.2e-7*math.Abs(float64(want)) {
				t.Fatalf("n=%d gradInput[%d]: %v, want %v", n, i, g[i], float32(g64[i]))
			}
		}
	}
}
