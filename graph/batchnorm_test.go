package graph

import (
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// newBatchNormOp is a training-mode batchNormOp for c channels with fresh
// running statistics, outside a Builder.
func newBatchNormOp(dt tensor.Dtype, c int) *batchNormOp {
	ones := tensor.New(tensor.Of(dt), tensor.WithShape(c))
	ones.Memset(one(dt))
	return &batchNormOp{
		name: "bn", training: true, momentum: BatchNormMomentum, eps: BatchNormEpsilon,
		runningMean: tensor.New(tensor.Of(dt), tensor.WithShape(c)), runningVar: ones, batches: []int64{0},
	}
}

// one is 1 as a value of dt, for Memset.
func one(dt tensor.Dtype) any {
	if dt == tensor.Float32 {
		return float32(1)
	}
	return float64(1)
}

// BenchmarkBatchNorm2d times a training step of BatchNorm2d's ops (the
// forward and the three gradients, called directly) on the outputs of cnn3's
// two conv layers, after a first step that sizes the outputs it reuses.
func BenchmarkBatchNorm2d(b *testing.B) {
	for _, l := range benchLayers {
		b.Run(l.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(2, 2))
			x := randomOf(r, tensor.Float32, 100, l.out, l.h, l.h)
			dy := randomOf(r, tensor.Float32, 100, l.out, l.h, l.h)
			gamma := randomOf(r, tensor.Float32, 1, l.out, 1, 1)
			beta := randomOf(r, tensor.Float32, 1, l.out, 1, 1)
			fwd := newBatchNormOp(tensor.Float32, l.out)
			grads := []*batchNormGradOp{{fwd: fwd, wrt: 0}, {fwd: fwd, wrt: 1}, {fwd: fwd, wrt: 2}}
			step := func() {
				if _, err := fwd.Do(x, gamma, beta); err != nil {
					b.Fatal(err)
				}
				for _, g := range grads {
					if _, err := g.Do(x, gamma, dy); err != nil {
						b.Fatal(err)
					}
				}
			}
			step()
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
		})
	}
}

// TestBatchNormIndependentOfCores: a training step of BatchNorm2d on 1 and on
// 2 (or more) goroutines gives bit-identical outputs and gradients, since
// each channel's sums run on one goroutine in a fixed order. The input is
// large enough (30720 values) for the ops to share out their channels.
func TestBatchNormIndependentOfCores(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	shape := []int{20, 6, 16, 16}
	x := randomOf(r, tensor.Float32, shape...)
	gamma := randomOf(r, tensor.Float32, 1, 6, 1, 1)
	beta := randomOf(r, tensor.Float32, 1, 6, 1, 1)
	weights := randomOf(r, tensor.Float32, shape...)
	run := func(procs int) ([]float64, [][]float64) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		return runWithGrads(t, []*tensor.Dense{x, gamma, beta}, weights, func(g *G.ExprGraph, in G.Nodes) *G.Node {
			return G.Must(G.ApplyOp(newBatchNormOp(tensor.Float32, 6), in[0], in[1], in[2]))
		})
	}
	y1, g1 := run(1)
	for _, procs := range []int{2, 3, 8} {
		y2, g2 := run(procs)
		if !reflect.DeepEqual(y1, y2) || !reflect.DeepEqual(g1, g2) {
			t.Errorf("GOMAXPROCS 1 and %d give different results", procs)
		}
	}
}

// TestBatchNormGradientsInAnyOrder: the three gradient ops share the sums of
// dy whichever runs first, and recompute them for another forward run or
// another dy.
func TestBatchNormGradientsInAnyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	shape := []int{4, 3, 5, 5}
	x := randomOf(r, tensor.Float64, shape...)
	x2 := randomOf(r, tensor.Float64, shape...)
	dy := randomOf(r, tensor.Float64, shape...)
	dy2 := randomOf(r, tensor.Float64, shape...)
	gamma := randomOf(r, tensor.Float64, 1, 3, 1, 1)
	beta := randomOf(r, tensor.Float64, 1, 3, 1, 1)
	// grads runs the forward op on x, then the gradient ops in order on dy,
	// and returns the gradients in wrt order.
	grads := func(fwd *batchNormOp, order []int, x, dy *tensor.Dense) [][]float64 {
		t.Helper()
		if _, err := fwd.Do(x, gamma, beta); err != nil {
			t.Fatal(err)
		}
		out := make([][]float64, 3)
		for _, wrt := range order {
			v, err := (&batchNormGradOp{fwd: fwd, wrt: wrt}).Do(x, gamma, dy)
			if err != nil {
				t.Fatal(err)
			}
			out[wrt] = append([]float64(nil), v.Data().([]float64)...)
		}
		return out
	}
	want := grads(newBatchNormOp(tensor.Float64, 3), []int{0, 1, 2}, x, dy)
	want2 := grads(newBatchNormOp(tensor.Float64, 3), []int{0, 1, 2}, x, dy2)
	wantX2 := grads(newBatchNormOp(tensor.Float64, 3), []int{0, 1, 2}, x2, dy)
	for _, order := range [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		fwd := newBatchNormOp(tensor.Float64, 3)
		xv := x.Clone().(*tensor.Dense)
		if got := grads(fwd, order, xv, dy); !reflect.DeepEqual(got, want) {
			t.Errorf("order %v: gradients differ from order [0 1 2]", order)
		}
		// The same tensors, as in the next step of a machine, holding
		// another x.
		copy(xv.Float64s(), x2.Float64s())
		if got := grads(fwd, order, xv, dy); !reflect.DeepEqual(got, wantX2) {
			t.Errorf("order %v, next step: gradients use stale sums", order)
		}
		// One forward run, another dy for the later ops.
		if _, err := fwd.Do(x, gamma, beta); err != nil {
			t.Fatal(err)
		}
		if _, err := (&batchNormGradOp{fwd: fwd, wrt: order[0]}).Do(x, gamma, dy); err != nil {
			t.Fatal(err)
		}
		for _, wrt := range order[1:] {
			v, err := (&batchNormGradOp{fwd: fwd, wrt: wrt}).Do(x, gamma, dy2)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(v.Data().([]float64), want2[wrt]) {
				t.Errorf("order %v, another dy: gradient %d uses stale sums", order, wrt)
			}
		}
	}
}
