package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestReLUMatchesGorgonia: values and gradients equal to those of Gorgonia's
// Rectify, exactly, on random inputs (which hold no exact zero, where the two
// differ on purpose), from an MLP's 2-d activations to a batch large enough
// to run in parallel blocks.
func TestReLUMatchesGorgonia(t *testing.T) {
	shapes := [][]int{{1, 1}, {7, 5}, {3, 2, 5, 4}, {13, 4, 9, 9}, {30, 16, 14, 14}}
	for _, dtt := range dtypeTolerances {
		for _, shape := range shapes {
			t.Run(fmt.Sprintf("%v/%v", dtt.dt, shape), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(len(shape)), uint64(shape[0])))
				x := randomOf(r, dtt.dt, shape...)
				weights := randomOf(r, dtt.dt, shape...)
				ours, ourGrads := runWithGrads(t, []*tensor.Dense{x}, weights, func(g *G.ExprGraph, in G.Nodes) *G.Node {
					b := &Builder{graph: g}
					y := ReLU(b, in[0])
					if b.Err() != nil {
						t.Fatal(b.Err())
					}
					return y
				})
				theirs, theirGrads := runWithGrads(t, []*tensor.Dense{x}, weights, func(g *G.ExprGraph, in G.Nodes) *G.Node {
					return G.Must(G.Rectify(in[0]))
				})
				closeTo(t, "y", ours, theirs, 0)
				closeTo(t, "dx", ourGrads[0], theirGrads[0], 0)
			})
		}
	}
}

// TestReLUSpecialValues: zero (either sign) gives 0 with gradient 0, as in
// PyTorch; NaN stays NaN and takes no gradient; ±Inf give 0 and +Inf.
func TestReLUSpecialValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	x := []float64{-1, 0, math.Copysign(0, -1), 2, nan, -inf, inf, 1e-30}
	wantY := []float64{0, 0, 0, 2, nan, 0, inf, 1e-30}
	wantDx := []float64{0, 0, 0, 3, 0, 0, 3, 3}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		xt := tensor.New(tensor.WithShape(2, 4), tensor.WithBacking(append([]float64(nil), x...)))
		dy := tensor.New(tensor.WithShape(2, 4), tensor.WithBacking([]float64{3, 3, 3, 3, 3, 3, 3, 3}))
		if dt == tensor.Float32 {
			xt, dy = toFloat32(xt), toFloat32(dy)
		}
		y, err := (&reluOp{dims: 2}).Do(xt)
		if err != nil {
			t.Fatal(err)
		}
		dx, err := (&reluGradOp{dims: 2}).Do(xt, dy)
		if err != nil {
			t.Fatal(err)
		}
		ys, dxs := float64s(t, y), float64s(t, dx)
		for i := range x {
			wy := wantY[i]
			if dt == tensor.Float32 {
				wy = float64(float32(wy))
			}
			if !(ys[i] == wy || math.IsNaN(ys[i]) && math.IsNaN(wy)) || math.Signbit(ys[i]) {
				t.Errorf("%v relu(%v) = %v, want %v", dt, x[i], ys[i], wy)
			}
			if dxs[i] != wantDx[i] || math.Signbit(dxs[i]) {
				t.Errorf("%v relu'(%v)·3 = %v, want %v", dt, x[i], dxs[i], wantDx[i])
			}
		}
	}
}

func toFloat32(t *tensor.Dense) *tensor.Dense {
	data := make([]float32, len(t.Float64s()))
	for i, v := range t.Float64s() {
		data[i] = float32(v)
	}
	return tensor.New(tensor.WithShape(t.Shape()...), tensor.WithBacking(data))
}

// TestReLUIndependentOfCores: elementwise, so any partition gives the same
// bits; checked on a batch large enough to run in parallel.
func TestReLUIndependentOfCores(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	x := randomOf(r, tensor.Float32, 40, 8, 16, 16)
	weights := randomOf(r, tensor.Float32, 40, 8, 16, 16)
	run := func(procs int) ([]float64, [][]float64) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		return runWithGrads(t, []*tensor.Dense{x}, weights, func(g *G.ExprGraph, in G.Nodes) *G.Node {
			return G.Must(G.ApplyOp(&reluOp{dims: 4}, in[0]))
		})
	}
	y1, g1 := run(1)
	for _, procs := range []int{2, 3} {
		y2, g2 := run(procs)
		if !reflect.DeepEqual(y1, y2) || !reflect.DeepEqual(g1, g2) {
			t.Errorf("GOMAXPROCS 1 and %d give different results", procs)
		}
	}
}

// TestReLUOpErrors: wrong dtypes and shapes are errors, not panics.
func TestReLUOpErrors(t *testing.T) {
	ints := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]int{1, -1, 2, -2}))
	if _, err := (&reluOp{dims: 2}).Do(ints); err == nil {
		t.Error("relu of ints: no error")
	}
	x := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{1, -1, 2, -2}))
	dy := tensor.New(tensor.WithShape(4), tensor.WithBacking([]float64{1, 1, 1, 1}))
	if _, err := (&reluGradOp{dims: 2}).Do(x, dy); err == nil {
		t.Error("relu gradient of a mismatched shape: no error")
	}
}

// BenchmarkReLU compares Gorgonia's Rectify with the zoo's reluOp, forward
// and backward, on the activations of cnn2 (after pooling, as the zoo orders
// them) and cnn1, at batch 100. The cost Σy and its gradient are in every
// figure; sum-only (y = x) is that floor.
func BenchmarkReLU(b *testing.B) {
	shapes := []struct {
		name  string
		shape []int
	}{
		{"cnn2-layer1", []int{100, 16, 14, 14}},
		{"cnn2-layer2", []int{100, 32, 7, 7}},
		{"cnn1", []int{100, 32, 14, 14}},
	}
	for _, s := range shapes {
		b.Run(s.name+"/sum-only", func(b *testing.B) {
			benchStep(b, s.shape, func(g *G.ExprGraph, x *G.Node, _ *G.Nodes) *G.Node { return x })
		})
		b.Run(s.name+"/gorgonia", func(b *testing.B) {
			benchStep(b, s.shape, func(g *G.ExprGraph, x *G.Node, _ *G.Nodes) *G.Node {
				return G.Must(G.Rectify(x))
			})
		})
		b.Run(s.name+"/zoo", func(b *testing.B) {
			benchStep(b, s.shape, func(g *G.ExprGraph, x *G.Node, _ *G.Nodes) *G.Node {
				return G.Must(G.ApplyOp(&reluOp{dims: 4}, x))
			})
		})
	}
}
