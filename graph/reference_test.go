package graph

import (
	"math"
	"testing"

	"gorgonia.org/tensor"
)

// The references below compute the ops by their definitions in float64,
// with plain loops: nothing of the zoo's (no sgemm, no im2col) and nothing
// of Gorgonia's, which runs on the zoo's sgemm, so that a bug there cannot
// cancel out of a comparison. Beside each sum they give the sum of its
// terms' magnitudes, which bounds its rounding (withinRounding).

// sums are the results of an op and, for the cost Σ y⊙R, the gradients
// of its inputs x, W and b.
type sums struct{ y, dx, dw, db []float64 }

// newSums makes sums of the given lengths.
func newSums(y, x, w, b int) sums {
	return sums{make([]float64, y), make([]float64, x), make([]float64, w), make([]float64, b)}
}

// naiveConv is conv2d by its definition, stride 1: for x (n, c, h, w), W
// (o, c, k, k), b (o) and R (n, o, ho, wo),
//
//	y[n,o,i,j]   = b[o] + Σ_{c,p,q} x[n,c,i+p−pad,j+q−pad]·W[o,c,p,q]
//	dx[n,c,h,w]  = Σ_{o,p,q} R[n,o,h−p+pad,w−q+pad]·W[o,c,p,q]
//	dW[o,c,p,q]  = Σ_{n,i,j} R[n,o,i,j]·x[n,c,i+p−pad,j+q−pad]
//	db[o]        = Σ_{n,i,j} R[n,o,i,j]
//
// taking the taps that fall on padding as zeros. mag holds the same sums of
// the terms' magnitudes.
func naiveConv(g convGeom, x, w, b, r []float64) (val, mag sums) {
	val = newSums(g.n*g.o*g.hw(), len(x), len(w), g.o)
	mag = newSums(len(val.y), len(x), len(w), g.o)
	for n := range g.n {
		for o := range g.o {
			for i := range g.ho {
				for j := range g.wo {
					out := ((n*g.o+o)*g.ho+i)*g.wo + j
					rv := r[out]
					val.y[out], mag.y[out] = b[o], math.Abs(b[o])
					val.db[o] += rv
					mag.db[o] += math.Abs(rv)
					for c := range g.c {
						for p := range g.k {
							for q := range g.k {
								hi, wj := i+p-g.pad, j+q-g.pad
								if hi < 0 || hi >= g.h || wj < 0 || wj >= g.w {
									continue
								}
								in := ((n*g.c+c)*g.h+hi)*g.w + wj
								tap := ((o*g.c+c)*g.k+p)*g.k + q
								xv, wv := x[in], w[tap]
								val.y[out] += xv * wv
								mag.y[out] += math.Abs(xv * wv)
								val.dx[in] += rv * wv
								mag.dx[in] += math.Abs(rv * wv)
								val.dw[tap] += rv * xv
								mag.dw[tap] += math.Abs(rv * xv)
							}
						}
					}
				}
			}
		}
	}
	return val, mag
}

// naiveLinear is y = x·W + b by its definition, for x (n, in), W (in, out),
// b (out) and R (n, out): y[i,j] = b[j] + Σ_p x[i,p]·W[p,j], dx = R·Wᵀ,
// dW = xᵀ·R, db = Σ_i R[i,·]; mag holds the same sums of magnitudes.
func naiveLinear(n, in, out int, x, w, b, r []float64) (val, mag sums) {
	val, mag = newSums(n*out, n*in, in*out, out), newSums(n*out, n*in, in*out, out)
	for i := range n {
		for j := range out {
			rv := r[i*out+j]
			val.y[i*out+j], mag.y[i*out+j] = b[j], math.Abs(b[j])
			val.db[j] += rv
			mag.db[j] += math.Abs(rv)
			for p := range in {
				xv, wv := x[i*in+p], w[p*out+j]
				val.y[i*out+j] += xv * wv
				mag.y[i*out+j] += math.Abs(xv * wv)
				val.dx[i*in+p] += rv * wv
				mag.dx[i*in+p] += math.Abs(rv * wv)
				val.dw[p*out+j] += rv * xv
				mag.dw[p*out+j] += math.Abs(rv * xv)
			}
		}
	}
	return val, mag
}

// roundingLambda is λ of withinRounding: the probability that one sum
// exceeds its bound is at most 2L·exp(−λ²/2), below 3e-11 for L = 1000.
const roundingLambda = 8

// unitRoundoff is u of a dtype: 2⁻²⁴ for float32, 2⁻⁵³ for float64.
func unitRoundoff(dt tensor.Dtype) float64 {
	if dt == tensor.Float32 {
		return 0x1p-24
	}
	return 0x1p-53
}

// withinRounding checks got against the exact sums want, element by
// element: a sum of at most L terms computed in floating point (any order,
// blocked or not, with or without fused multiply-adds) rounds at most L
// times on any term's way, so that
//
//	|got[i] − want[i]| ≤ λ·√L·(u + 2⁻⁵³)·mag[i]
//
// where mag[i] is the sum of the terms' magnitudes, u the unit roundoff of
// got's dtype (the 2⁻⁵³ is the float64 reference's own) and λ =
// roundingLambda: the bound of Higham and Mary's probabilistic analysis
// (rounding errors independent, of mean zero; "A new approach to
// probabilistic rounding error analysis", SIAM J. Sci. Comput., 2019), where
// the worst case is L·u·mag. A sum with no terms must be exactly 0.
func withinRounding(t *testing.T, what string, dt tensor.Dtype, L int, got, want, mag []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := roundingLambda * math.Sqrt(float64(L)) * (unitRoundoff(dt) + 0x1p-53)
	for i := range want {
		if d := math.Abs(got[i] - want[i]); !(d <= scale*mag[i]) {
			t.Fatalf("%s[%d] = %.9g, by the definition %.9g: off by %.2g, over the rounding bound %.2g (%d terms, magnitudes %.3g)",
				what, i, got[i], want[i], d, scale*mag[i], L, mag[i])
		}
	}
}

// float64sOf is a float32 or float64 slice as float64s.
func float64sOf[T float32 | float64](s []T) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}
