package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestSmoothActivationsMatchGorgonia: the fused tanh and sigmoid give the
// values of math.Tanh and 1/(1+e^−x), and the gradients of Gorgonia's Tanh
// and Sigmoid, on inputs spread over (−8, 8), from an MLP's activations to a
// batch run in parallel blocks. (Gorgonia's output value cannot be compared
// after a run: its ops work in place, and the backward pass reuses it.)
func TestSmoothActivationsMatchGorgonia(t *testing.T) {
	activations := []struct {
		name    string
		ours    func(*Builder, *G.Node) *G.Node
		theirs  func(*G.Node) (*G.Node, error)
		exact   func(float64) float64
		float32 float64 // tolerance of float32 results
	}{
		{"tanh", Tanh, G.Tanh, math.Tanh, 1e-6},
		{"sigmoid", Sigmoid, G.Sigmoid, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }, 1e-6},
	}
	shapes := [][]int{{1, 1}, {7, 5}, {100, 100}, {13, 4, 9, 9}}
	for _, a := range activations {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			tol := 1e-14
			if dt == tensor.Float32 {
				tol = a.float32
			}
			for _, shape := range shapes {
				t.Run(fmt.Sprintf("%s/%v/%v", a.name, dt, shape), func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(len(shape)), uint64(shape[0])))
					x := randomOf(r, dt, shape...)
					spread(x, 8)
					weights := randomOf(r, dt, shape...)
					ours, ourGrads := runWithGrads(t, []*tensor.Dense{x}, weights, func(g *G.ExprGraph, in G.Nodes) *G.Node {
						b := &Builder{graph: g}
						y := a.ours(b, in[0])
						if b.Err() != nil {
							t.Fatal(b.Err())
						}
						return y
					})
					_, theirGrads := runWithGrads(t, []*tensor.Dense{x}, weights, func(g *G.ExprGraph, in G.Nodes) *G.Node {
						return G.Must(a.theirs(in[0]))
					})
					want := append([]float64(nil), float64s(t, x)...)
					for i, v := range want {
						want[i] = a.exact(v)
					}
					closeTo(t, "y", ours, want, tol)
					closeTo(t, "dx", ourGrads[0], theirGrads[0], tol)
				})
			}
		}
	}
}

// spread scales values in (−1, 1) to (−s, s).
func spread(t *tensor.Dense, s float64) {
	switch d := t.Data().(type) {
	case []float32:
		for i := range d {
			d[i] *= float32(s)
		}
	case []float64:
		for i := range d {
			d[i] *= s
		}
	}
}

// TestSmoothActivationsSpecialValues: large inputs saturate without
// overflow or NaN, with gradient 0; NaN stays NaN.
func TestSmoothActivationsSpecialValues(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	x := []float64{-inf, -1000, -40, 0, 40, 1000, inf, nan}
	cases := []struct {
		kind   smoothKind
		wantY  []float64
		wantDx []float64 // for dy = 1
	}{
		{tanhKind, []float64{-1, -1, -1, 0, 1, 1, 1, nan}, []float64{0, 0, 0, 1, 0, 0, 0, nan}},
		{sigmoidKind, []float64{0, 0, 4.248354255291589e-18, 0.5, 1, 1, 1, nan}, []float64{0, 0, 4.248354255291589e-18, 0.25, 0, 0, 0, nan}},
	}
	for _, c := range cases {
		xt := tensor.New(tensor.WithShape(2, 4), tensor.WithBacking(append([]float64(nil), x...)))
		y, err := (&smoothOp{kind: c.kind, dims: 2}).Do(xt)
		if err != nil {
			t.Fatal(err)
		}
		ones := tensor.New(tensor.WithShape(2, 4), tensor.WithBacking([]float64{1, 1, 1, 1, 1, 1, 1, 1}))
		dx, err := (&smoothGradOp{kind: c.kind, dims: 2}).Do(y, ones)
		if err != nil {
			t.Fatal(err)
		}
		for i := range x {
			gotY, gotDx := y.Data().([]float64)[i], dx.Data().([]float64)[i]
			if !same(gotY, c.wantY[i]) || !same(gotDx, c.wantDx[i]) {
				t.Errorf("%v(%v) = %v with gradient %v, want %v and %v", c.kind, x[i], gotY, gotDx, c.wantY[i], c.wantDx[i])
			}
		}
	}
}

// same is equality with NaN equal to NaN, and a relative tolerance of 1e-12.
func same(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return got == want || math.Abs(got-want) <= 1e-12*math.Abs(want)
}
