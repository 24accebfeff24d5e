package graph

import "math"

// float32 tanh and sigmoid for the activation ops. Computing them through
// math.Tanh and math.Exp costs a conversion to float64 and back per value,
// and on amd64 that conversion (CVTSS2SD) waits on the register's previous
// contents, which serialises the loop: 20-35 ns a value, the largest part of
// a model2 or model3 step beyond the products. These work in float32 from
// start to end, in a few nanoseconds, to within one or two units in the last
// place.

// tanh32 is tanh(v) as Cephes' tanhf computes it: for |v| < 0.625 an odd
// polynomial of degree 11, above it 1 − 2/(e^2|v| + 1) with exp32, the sign
// restored: within one unit in the last place of the correctly rounded tanh,
// and so also near ±1, where the gradient 1 − y² is read from it
// (TestFloat32Activations). NaN stays NaN.
func tanh32(v float32) float32 {
	a := math.Float32frombits(math.Float32bits(v) &^ signBit32)
	var t float32
	if a < 0.625 {
		z := v * v
		t = ((((-5.70498872745e-3*z+2.06390887954e-2)*z-5.37397155531e-2)*z+1.33314422036e-1)*z-3.33332819422e-1)*z*a + a
	} else {
		t = 1 - 2/(exp32(2*a)+1)
	}
	return math.Float32frombits(math.Float32bits(t) | math.Float32bits(v)&signBit32)
}

// signBit32 is a float32's sign bit.
const signBit32 = 1 << 31

// sigmoid32 is 1/(1+e^−v) from e = e^−|v| ≤ 1, which cannot overflow:
// 1/(1+e) for v ≥ 0 and e/(1+e) below, chosen by the sign bit rather than
// a branch (a layer's inputs have both signs): within two units in the last
// place of the correctly rounded sigmoid, down to its subnormal results.
func sigmoid32(v float32) float32 {
	e := exp32(-math.Float32frombits(math.Float32bits(v) &^ signBit32))
	pos := 1 / (1 + e)
	neg := e * pos
	negative := uint32(int32(math.Float32bits(v)) >> 31) // all ones when the sign bit is set
	return math.Float32frombits(math.Float32bits(neg)&negative | math.Float32bits(pos)&^negative)
}

// exp32 is e^v by Cephes' expf: v = n·ln2 + r, e^r by a polynomial of
// degree 7 in r (|r| ≤ ln2/2), times 2^n in two exact factors so that
// results below float32's smallest normal number round once; v is first
// clamped to [−104, 88], beyond which e^v is 0 or about to overflow. NaN
// stays NaN.
func exp32(v float32) float32 {
	if v > 88 {
		v = 88
	} else if v < -104 {
		v = -104
	}
	const round = 0x1.8p23 // adding and subtracting it rounds to an integer
	n := (v*math.Log2E + round) - round
	r := v - n*0.693359375 - n*-2.12194440e-4 // ln2 in two parts, the first exact in n·ln2
	p := 1.9875691500e-4*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	p = p*r*r + r + 1
	k := int32(n)
	half := k / 2
	return p * pow2(half) * pow2(k-half)
}

// pow2 is 2^k for −126 ≤ k ≤ 127.
func pow2(k int32) float32 { return math.Float32frombits(uint32(k+127) << 23) }
