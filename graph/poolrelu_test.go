package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestMaxPool2dReLUMatchesComposition: the fused op gives ReLU(MaxPool2d(x))
// to the bit, output and input gradient, on values with ties, zeros of both
// signs, negatives and NaNs, for 2×2 windows (the vector paths: even sizes
// with rows of whole and partial groups of 16 windows, and an odd width,
// which the Go gradient takes) and 3×3, in float32 and float64.
func TestMaxPool2dReLUMatchesComposition(t *testing.T) {
	values := []float64{-2, -1, math.Copysign(0, -1), 0, 1, 2, 3, math.NaN()}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for ci, shape := range [][]int{{3, 2, 12, 11}, {3, 2, 18, 16}, {2, 3, 8, 36}, {1, 2, 4, 64}, {2, 2, 28, 28}} {
			k := 2
			if ci == 1 {
				k = 3
			}
			r := rand.New(rand.NewPCG(uint64(ci), 7))
			n := shape[0] * shape[1] * shape[2] * shape[3]
			xs, ws := make([]float64, n), make([]float64, n/(k*k)+n)
			for i := range xs {
				xs[i] = values[r.IntN(len(values))]
			}
			for i := range ws {
				ws[i] = r.Float64()*2 - 1
			}
			run := func(fused bool) (y, dx []float64) {
				b := NewBuilder(NewStore(dt, 0), Training)
				x := G.NewTensor(b.Graph(), dt, 4, G.WithShape(shape...), G.WithName("x"), G.WithValue(tensorOf(dt, shape, xs)))
				var out *G.Node
				if fused {
					out = MaxPool2dReLU(b, x, k)
				} else {
					out = ReLU(b, MaxPool2d(b, x, k))
				}
				if err := b.Err(); err != nil {
					t.Fatal(err)
				}
				// A weighted sum, so that each output has its own gradient.
				wv := G.NewTensor(b.Graph(), dt, 4, G.WithShape(out.Shape()...), G.WithName("w"),
					G.WithValue(tensorOf(dt, out.Shape(), ws[:out.Shape().TotalSize()])))
				cost := G.Must(G.Sum(G.Must(G.HadamardProd(out, wv))))
				if _, err := G.Grad(cost, x); err != nil {
					t.Fatal(err)
				}
				vm := G.NewTapeMachine(b.Graph(), G.BindDualValues(x))
				defer vm.Close()
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				gv, _ := x.Grad()
				return float64s(t, out.Value()), float64s(t, gv)
			}
			// The composition on the Go paths is the reference: the vector
			// paths serve both ops.
			vector := hasAVX512
			hasAVX512 = false
			y0, dx0 := run(false)
			hasAVX512 = vector
			y1, dx1 := run(true)
			y2, dx2 := run(false)
			for name, pair := range map[string][2][]float64{"y": {y0, y2}, "dx": {dx0, dx2}} {
				for i := range pair[0] {
					if math.Float64bits(pair[0][i]) != math.Float64bits(pair[1][i]) {
						t.Fatalf("%v %v k=%d: the composition's %s[%d] is %v on the vector paths, %v on Go's", dt, shape, k, name, i, pair[1][i], pair[0][i])
					}
				}
			}
			for name, pair := range map[string][2][]float64{"y": {y0, y1}, "dx": {dx0, dx1}} {
				for i := range pair[0] {
					if math.Float64bits(pair[0][i]) != math.Float64bits(pair[1][i]) {
						t.Fatalf("%v %v k=%d: %s[%d] fused %v, composed %v", dt, shape, k, name, i, pair[1][i], pair[0][i])
					}
				}
			}
		}
	}
}

func tensorOf(dt tensor.Dtype, shape []int, vs []float64) *tensor.Dense {
	if dt == tensor.Float32 {
		f := make([]float32, len(vs))
		for i, v := range vs {
			f[i] = float32(v)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(f))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), vs...)))
}
