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

// randomOf is a tensor of the dtype with values in (-1, 1).
func randomOf(r *rand.Rand, dt tensor.Dtype, shape ...int) *tensor.Dense {
	t := randomTensor(r, shape...)
	if dt == tensor.Float64 {
		return t
	}
	data := make([]float32, len(t.Float64s()))
	for i, v := range t.Float64s() {
		data[i] = float32(v)
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}

// float64s reads a float32 or float64 value as float64s.
func float64s(t *testing.T, v G.Value) []float64 {
	t.Helper()
	switch d := v.Data().(type) {
	case []float64:
		return d
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out
	}
	t.Fatalf("value of type %T", v.Data())
	return nil
}

// runWithGrads builds y = f(inputs) on a new graph, takes the cost Σ y⊙R and
// returns y and the gradient of every input after one run.
func runWithGrads(t *testing.T, values []*tensor.Dense, r *tensor.Dense, f func(g *G.ExprGraph, in G.Nodes) *G.Node) ([]float64, [][]float64) {
	t.Helper()
	g := G.NewGraph()
	var in G.Nodes
	for i, v := range values {
		in = append(in, G.NewTensor(g, v.Dtype(), v.Dims(), G.WithShape(v.Shape()...), G.WithName(fmt.Sprint("in", i)), G.WithValue(v.Clone())))
	}
	y := f(g, in)
	weights := G.NewTensor(g, r.Dtype(), r.Dims(), G.WithShape(r.Shape()...), G.WithName("R"), G.WithValue(r))
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(y, weights))))
	if _, err := G.Grad(cost, in...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(in...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	grads := make([][]float64, len(in))
	for i, n := range in {
		gv, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		grads[i] = append([]float64(nil), float64s(t, gv)...)
	}
	return append([]float64(nil), float64s(t, y.Value())...), grads
}

// closeTo compares got with want to tol relative to want's largest magnitude.
func closeTo(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 1e-30
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	worst, at := 0.0, 0
	for i := range got {
		if d := math.Abs(got[i]-want[i]) / scale; d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	if worst > tol || math.IsNaN(worst) {
		t.Errorf("%s[%d] = %.10g, Gorgonia %.10g (error %.2g of the largest magnitude %.3g, tolerance %g)", what, at, got[at], want[at], worst, scale, tol)
	}
}

var dtypeTolerances = []struct {
	dt  tensor.Dtype
	tol float64
}{{tensor.Float32, 1e-5}, {tensor.Float64, 1e-12}}

// convCases are geometries for the comparisons: odd sizes, no padding,
// padding as wide as the kernel allows, even kernels, several channels, and
// batches larger than maxBlocks with enough work to run in parallel.
var convCases = []struct{ n, c, h, w, out, k, pad int }{
	{1, 1, 5, 5, 1, 3, 0},
	{2, 3, 7, 5, 4, 3, 0},
	{3, 2, 6, 9, 5, 3, 1},
	{2, 2, 5, 6, 3, 2, 1},
	{1, 1, 6, 6, 2, 5, 2},
	{4, 3, 3, 4, 2, 5, 2}, // kernel larger than the image: only padding reaches some taps
	{11, 4, 9, 11, 6, 5, 2},
	{17, 3, 14, 13, 8, 5, 2}, // parallel blocks
}

// TestConv2dMatchesTheDefinition: the op's values and gradients for x, W
// and b are the float64 sums of the definition (naiveConv), within the
// rounding of a sum of that many terms (withinRounding).
func TestConv2dMatchesTheDefinition(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, c := range convCases {
			t.Run(fmt.Sprintf("%v/%+v", dt, c), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(c.n*100+c.k), 5))
				x := randomOf(r, dt, c.n, c.c, c.h, c.w)
				w := randomOf(r, dt, c.out, c.c, c.k, c.k)
				b := randomOf(r, dt, 1, c.out, 1, 1)
				g := convGeom{n: c.n, c: c.c, h: c.h, w: c.w, o: c.out, k: c.k, pad: c.pad}
				g.ho, g.wo = c.h+2*c.pad-c.k+1, c.w+2*c.pad-c.k+1
				weights := randomOf(r, dt, c.n, c.out, g.ho, g.wo)
				y, grads := runWithGrads(t, []*tensor.Dense{x, w, b}, weights, func(g *G.ExprGraph, in G.Nodes) *G.Node {
					return G.Must(G.ApplyOp(&conv2dOp{name: "c", pad: c.pad}, in[0], in[1], in[2]))
				})
				want, mag := naiveConv(g, float64s(t, x), float64s(t, w), float64s(t, b), float64s(t, weights))
				withinRounding(t, "y", dt, g.rows()+1, y, want.y, mag.y)
				withinRounding(t, "dx", dt, g.o*g.k*g.k, grads[0], want.dx, mag.dx)
				withinRounding(t, "dW", dt, g.n*g.hw(), grads[1], want.dw, mag.dw)
				withinRounding(t, "db", dt, g.n*g.hw(), grads[2], want.db, mag.db)
			})
		}
	}
}

func TestMaxPool2dMatchesGorgonia(t *testing.T) {
	cases := []struct{ n, c, h, w, k int }{
		{1, 1, 4, 4, 2},
		{2, 3, 5, 7, 2}, // odd: the last row and column are dropped
		{3, 2, 7, 8, 3},
		{2, 2, 3, 3, 3},
		{1, 2, 5, 4, 1},
		{13, 4, 15, 16, 2}, // parallel blocks
	}
	for _, dtt := range dtypeTolerances {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%v/%+v", dtt.dt, c), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(c.n*10+c.k), 9))
				x := randomOf(r, dtt.dt, c.n, c.c, c.h, c.w)
				weights := randomOf(r, dtt.dt, c.n, c.c, c.h/c.k, c.w/c.k)
				ours, ourGrads := runWithGrads(t, []*tensor.Dense{x}, weights, func(g *G.ExprGraph, in G.Nodes) *G.Node {
					return G.Must(G.ApplyOp(&maxPoolOp{kernel: c.k}, in[0]))
				})
				theirs, theirGrads := runWithGrads(t, []*tensor.Dense{x}, weights, func(g *G.ExprGraph, in G.Nodes) *G.Node {
					return G.Must(G.MaxPool2D(in[0], tensor.Shape{c.k, c.k}, []int{0, 0}, []int{c.k, c.k}))
				})
				// Maxima are copied, not computed: exact.
				closeTo(t, "y", ours, theirs, 0)
				closeTo(t, "dx", ourGrads[0], theirGrads[0], 0)
			})
		}
	}
}

// TestMaxPool2dTiesLikePyTorch: among equal maxima the first in row-major
// order takes the gradient, and a NaN is the maximum, as in PyTorch's CPU
// kernel.
func TestMaxPool2dTiesLikePyTorch(t *testing.T) {
	nan := math.NaN()
	for _, k := range []int{2, 3} { // the unrolled 2×2 path and the general one
		// Windows (row-major): all equal; equal maxima on the anti-diagonal; a
		// NaN before a larger number; two NaNs (PyTorch's val > max ||
		// isnan(val) keeps the last).
		pad := func(win []float64) []float64 {
			// Put a 2×2 window into the top-left of a k×k one filled with -9.
			out := make([]float64, k*k)
			for i := range out {
				out[i] = -9
			}
			out[0], out[1], out[k], out[k+1] = win[0], win[1], win[2], win[3]
			return out
		}
		windows := [][]float64{{1, 1, 1, 1}, {0, 2, 2, 1}, {1, nan, 3, 2}, {nan, 5, nan, 4}}
		wantAt := []int{0, 1, 1, 2} // in the 2×2 window
		for i, win := range windows {
			b := NewBuilder(NewStore(tensor.Float64, 0), Training)
			x := G.NewTensor(b.Graph(), tensor.Float64, 4, G.WithShape(1, 1, k, k), G.WithName("x"),
				G.WithValue(tensor.New(tensor.WithShape(1, 1, k, k), tensor.WithBacking(pad(win)))))
			y := MaxPool2d(b, x, k)
			cost := G.Must(G.Sum(y))
			if _, err := G.Grad(cost, x); err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(b.Graph(), G.BindDualValues(x))
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			vm.Close()
			gv, _ := x.Grad()
			grad := gv.Data().([]float64)
			at := []int{0, 1, k, k + 1}[wantAt[i]]
			for j, v := range grad {
				want := 0.0
				if j == at {
					want = 1
				}
				if v != want {
					t.Errorf("kernel %d, window %v: gradient %v, want 1 at %d only", k, win, grad, at)
					break
				}
			}
			got := y.Value().Data().([]float64)[0]
			if want := win[wantAt[i]]; !(got == want || math.IsNaN(want) && math.IsNaN(got)) {
				t.Errorf("kernel %d, window %v: max %v, want %v", k, win, got, want)
			}
		}
	}
}

// TestConvPoolGradientsMatchFiniteDifferences adds geometries to the
// finite-difference check of graph_test.go: odd sizes, no padding, several
// channels, and batches split into several blocks.
func TestConvPoolGradientsMatchFiniteDifferences(t *testing.T) {
	cases := []gradCase{
		{"conv2d odd pad 0", []int{2, 3, 7, 5}, func(b *Builder, x *G.Node) *G.Node { return Conv2d(b, "conv", x, 4, 3, 0) }},
		{"conv2d even kernel", []int{1, 2, 5, 6}, func(b *Builder, x *G.Node) *G.Node { return Conv2d(b, "conv", x, 3, 2, 1) }},
		{"maxpool2d odd", []int{2, 3, 5, 7}, func(b *Builder, x *G.Node) *G.Node { return MaxPool2d(b, x, 2) }},
		{"maxpool2d kernel 3", []int{1, 2, 7, 8}, func(b *Builder, x *G.Node) *G.Node { return MaxPool2d(b, x, 3) }},
		{"conv, relu, pool, conv over 9 samples", []int{9, 2, 7, 7}, func(b *Builder, x *G.Node) *G.Node {
			h := MaxPool2d(b, ReLU(b, Conv2d(b, "c1", x, 3, 3, 1)), 2)
			return Conv2d(b, "c2", h, 2, 3, 1)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkFiniteDifferences(t, tc) })
	}
}

// TestConvPoolIndependentOfCores: the same step on 1 and on 2 (or more)
// goroutines gives bit-identical outputs and gradients, since the batch is
// cut into the same blocks and block sums are added in the same order.
func TestConvPoolIndependentOfCores(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := randomOf(r, tensor.Float32, 20, 3, 16, 16)
	w := randomOf(r, tensor.Float32, 8, 3, 5, 5)
	b := randomOf(r, tensor.Float32, 1, 8, 1, 1)
	weights := randomOf(r, tensor.Float32, 20, 8, 8, 8)
	run := func(procs int) ([]float64, [][]float64) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		return runWithGrads(t, []*tensor.Dense{x, w, b}, weights, func(g *G.ExprGraph, in G.Nodes) *G.Node {
			y := G.Must(G.ApplyOp(&conv2dOp{name: "c", pad: 2}, in[0], in[1], in[2]))
			return G.Must(G.ApplyOp(&maxPoolOp{kernel: 2}, y))
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

// TestConv2dRunsRepeatedly: a second run of the same machine (reused buffers
// and outputs) gives the same values as the first, and after a new input it
// gives what a fresh graph gives for that input.
func TestConv2dRunsRepeatedly(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	first := randomOf(r, tensor.Float32, 10, 2, 9, 9)
	second := randomOf(r, tensor.Float32, 10, 2, 9, 9)
	type machine struct {
		step func() ([]float64, []float64)
		x    *tensor.Dense
	}
	newMachine := func(xv *tensor.Dense) machine {
		b := NewBuilder(NewStore(tensor.Float32, 1), Training)
		xv = xv.Clone().(*tensor.Dense)
		x := G.NewTensor(b.Graph(), tensor.Float32, 4, G.WithShape(10, 2, 9, 9), G.WithName("x"), G.WithValue(xv))
		y := MaxPool2d(b, ReLU(b, Conv2d(b, "c", x, 4, 3, 1)), 2)
		cost := G.Must(G.Sum(y))
		if _, err := G.Grad(cost, b.Learnables()...); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(b.Graph(), G.BindDualValues(b.Learnables()...))
		t.Cleanup(func() { vm.Close() })
		return machine{x: xv, step: func() ([]float64, []float64) {
			// Gradients accumulate in the dual values until zeroed, as a
			// solver does.
			for _, n := range b.Learnables() {
				if gv, err := n.Grad(); err == nil && gv != nil {
					gv.(*tensor.Dense).Zero()
				}
			}
			vm.Reset()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			gv, err := b.Learnables()[0].Grad()
			if err != nil {
				t.Fatal(err)
			}
			return append([]float64(nil), float64s(t, y.Value())...), append([]float64(nil), float64s(t, gv)...)
		}}
	}
	m := newMachine(first)
	y1, g1 := m.step()
	y2, g2 := m.step()
	if !reflect.DeepEqual(y1, y2) || !reflect.DeepEqual(g1, g2) {
		t.Error("a second run gave other values")
	}
	copy(m.x.Float32s(), second.Float32s())
	y3, g3 := m.step()
	y4, g4 := newMachine(second).step()
	if !reflect.DeepEqual(y3, y4) || !reflect.DeepEqual(g3, g4) {
		t.Error("after a new input, the machine and a fresh one disagree")
	}
	if reflect.DeepEqual(y1, y3) {
		t.Error("a new input gave the old output")
	}
}

// TestConv2dOpOutsideAGraph calls the ops directly: one op over inputs of
// two geometries (its im2col buffer is laid out anew), and gradient ops run
// without their forward pass (they redo im2col and the argmax).
func TestConv2dOpOutsideAGraph(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	w := randomOf(r, tensor.Float64, 3, 2, 3, 3)
	b := randomOf(r, tensor.Float64, 1, 3, 1, 1)
	shared := &conv2dOp{name: "c", pad: 1}
	for _, shape := range [][]int{{2, 2, 6, 6}, {3, 2, 4, 7}, {2, 2, 6, 6}} {
		x := randomOf(r, tensor.Float64, shape...)
		got, err := shared.Do(x, w, b)
		if err != nil {
			t.Fatal(err)
		}
		want, err := (&conv2dOp{name: "c", pad: 1}).Do(x, w, b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Data(), want.Data()) {
			t.Errorf("input %v after another geometry: output differs from a fresh op's", shape)
		}
		// Gradient ops of a fresh forward op that never ran.
		dy := randomOf(r, tensor.Float64, got.Shape()...)
		for wrt := 0; wrt < 3; wrt++ {
			fresh := &conv2dGradOp{fwd: &conv2dOp{name: "c", pad: 1}, wrt: wrt, biasShape: b.Shape()}
			used := &conv2dGradOp{fwd: shared, wrt: wrt, biasShape: b.Shape()}
			g1, err := fresh.Do(x, w, dy)
			if err != nil {
				t.Fatal(err)
			}
			g2, err := used.Do(x, w, dy)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g1.Data(), g2.Data()) {
				t.Errorf("input %v, gradient %d: a gradient op without its forward pass differs", shape, wrt)
			}
		}
		pool := &maxPoolOp{kernel: 2}
		if _, err := pool.Do(x); err != nil {
			t.Fatal(err)
		}
		pdy := randomOf(r, tensor.Float64, shape[0], shape[1], shape[2]/2, shape[3]/2)
		g1, err := (&maxPoolGradOp{fwd: pool}).Do(x, pdy)
		if err != nil {
			t.Fatal(err)
		}
		g2, err := (&maxPoolGradOp{fwd: &maxPoolOp{kernel: 2}}).Do(x, pdy)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g1.Data(), g2.Data()) {
			t.Errorf("input %v: max-pool gradient without its forward pass differs", shape)
		}
	}
}

// TestSameSizeUnfoldingMatchesRuns: for convolutions that keep the image's
// size, im2col's and col2im's one-run-per-tap paths give exactly what the
// general one-run-per-output-row paths give, in both dtypes, on a buffer
// reused from another sample (im2col writes no padding).
func TestSameSizeUnfoldingMatchesRuns(t *testing.T) {
	geometries := []struct{ c, h, w, k, pad int }{
		{1, 28, 28, 5, 2}, {16, 14, 14, 5, 2}, {3, 7, 5, 3, 1}, {2, 4, 9, 1, 0},
		{1, 2, 3, 5, 2}, // taps that read only padding
		{2, 6, 6, 7, 3},
	}
	for _, gm := range geometries {
		g, err := geometry(tensor.Shape{1, gm.c, gm.h, gm.w}, tensor.Shape{4, gm.c, gm.k, gm.k}, gm.pad)
		if err != nil || !g.sameSize() {
			t.Fatalf("%+v: geometry %v, error %v", gm, g, err)
		}
		t.Run(g.String(), func(t *testing.T) {
			checkSameSizeUnfolding[float32](t, g)
			checkSameSizeUnfolding[float64](t, g)
		})
	}
}

func checkSameSizeUnfolding[T blasFloat](t *testing.T, g convGeom) {
	r := rand.New(rand.NewPCG(3, uint64(g.c*g.h*g.w)))
	random := func(n int) []T {
		v := make([]T, n)
		for i := range v {
			v[i] = T(r.Float64()*2 - 1)
		}
		return v
	}
	size := g.rows() * g.hw()
	same, runs := make([]T, size), make([]T, size)
	for range 2 { // the second sample overwrites the first in the same buffers
		x := random(g.inSize())
		im2colSame(g, x, same)
		im2colRuns(g, x, runs)
		if !reflect.DeepEqual(same, runs) {
			t.Fatalf("%T im2col: one run per tap differs from one run per output row", same[0])
		}
	}
	dcol := random(size)
	dxSame, dxRuns := random(g.inSize()), random(g.inSize()) // col2im overwrites dx
	col2imRuns(g, dcol, dxRuns)
	col2imSame(g, dcol, dxSame) // last: it clears dcol's wrapped entries
	if !reflect.DeepEqual(dxSame, dxRuns) {
		t.Fatalf("%T col2im: one run per tap differs from one run per output row", dxSame[0])
	}
}
