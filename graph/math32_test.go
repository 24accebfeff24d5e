package graph

import (
	"math"
	"testing"
)

// TestFloat32Activations: over float32 inputs spread across every binade
// from 1e-30 to beyond saturation, of both signs, tanh32 and sigmoid32 are
// within one and two units in the last place of the float64 functions'
// results rounded to float32, exactly equal to them for nearly all inputs,
// and keep the special values.
func TestFloat32Activations(t *testing.T) {
	cases := []struct {
		name       string
		ours       func(float32) float32
		ref        func(float64) float64
		ulps       int64
		exactShare float64
	}{
		{"tanh", tanh32, math.Tanh, 1, 0.99},
		{"sigmoid", sigmoid32, sigmoid, 2, 0.9},
	}
	for _, c := range cases {
		var n, exact int
		for bits := math.Float32bits(1e-30); bits < math.Float32bits(120); bits += 997 {
			for _, v := range []float32{math.Float32frombits(bits), -math.Float32frombits(bits)} {
				got, want := c.ours(v), float32(c.ref(float64(v)))
				n++
				if got == want {
					exact++
					continue
				}
				if d := int64(math.Float32bits(got)) - int64(math.Float32bits(want)); d > c.ulps || d < -c.ulps {
					t.Fatalf("%s(%v) = %v, want %v (%d units in the last place)", c.name, v, got, want, d)
				}
			}
		}
		if share := float64(exact) / float64(n); share < c.exactShare {
			t.Errorf("%s: %.4f of %d values equal to the float64 function's, want at least %v", c.name, share, n, c.exactShare)
		}
		inf := float32(math.Inf(1))
		for _, v := range []float32{-inf, -1e30, -200, 0, 200, 1e30, inf} {
			if got, want := c.ours(v), float32(c.ref(float64(v))); got != want {
				t.Errorf("%s(%v) = %v, want %v", c.name, v, got, want)
			}
		}
		if got := c.ours(float32(math.NaN())); got == got {
			t.Errorf("%s(NaN) = %v, want NaN", c.name, got)
		}
	}
	if got := tanh32(float32(math.Copysign(0, -1))); math.Float32bits(got) != 1<<31 {
		t.Errorf("tanh(−0) = %v, want −0", got)
	}
}
