package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// linearCases: a single row, shapes below the parallel threshold, and
// batches and widths cut into several blocks (linearBlocks).
var linearCases = []struct{ n, in, out int }{
	{1, 1, 1},
	{3, 5, 4},
	{7, 2, 9},
	{100, 784, 100}, // the course's first layer: 2 row blocks, 2 weight blocks
	{250, 60, 10},   // 5 row blocks, 1 weight block
	{60, 3100, 7},   // 1 row block, 8 weight blocks
}

// TestLinearMatchesTheDefinition: the fused op's x·W + b and its gradients
// for x, W and b are the float64 sums of the definition (naiveLinear),
// within the rounding of a sum of that many terms (withinRounding).
func TestLinearMatchesTheDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, c := range linearCases {
			x := randomOf(r, dt, c.n, c.in)
			w := randomOf(r, dt, c.in, c.out)
			b := randomOf(r, dt, 1, c.out)
			weights := randomOf(r, dt, c.n, c.out)
			y, grads := runWithGrads(t, []*tensor.Dense{x, w, b}, weights, func(g *G.ExprGraph, in G.Nodes) *G.Node {
				return G.Must(G.ApplyOp(&linearOp{name: "l"}, in[0], in[1], in[2]))
			})
			want, mag := naiveLinear(c.n, c.in, c.out, float64s(t, x), float64s(t, w), float64s(t, b), float64s(t, weights))
			what := fmt.Sprintf("%v %d×%d·%d×%d", dt, c.n, c.in, c.in, c.out)
			withinRounding(t, what+" y", dt, c.in+1, y, want.y, mag.y)
			withinRounding(t, what+" dx", dt, c.out, grads[0], want.dx, mag.dx)
			withinRounding(t, what+" dW", dt, c.n, grads[1], want.dw, mag.dw)
			withinRounding(t, what+" db", dt, c.n, grads[2], want.db, mag.db)
		}
	}
}

// TestLinearIndependentOfCores: the partition into blocks depends on the
// sizes alone, so 1, 2, 3 or 8 goroutines give bit-identical results.
func TestLinearIndependentOfCores(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x := randomOf(r, tensor.Float32, 300, 800)
	w := randomOf(r, tensor.Float32, 800, 30)
	b := randomOf(r, tensor.Float32, 1, 30)
	weights := randomOf(r, tensor.Float32, 300, 30)
	run := func(procs int) ([]float64, [][]float64) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		return runWithGrads(t, []*tensor.Dense{x, w, b}, weights, func(g *G.ExprGraph, in G.Nodes) *G.Node {
			return G.Must(G.ApplyOp(&linearOp{name: "l"}, in[0], in[1], in[2]))
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

// TestDataInputsSkipTheirGradient: blocks applied to a Builder input (data),
// directly or through Flatten, add no gradient op for it, and the
// learnables' gradients are those of the same graph over an input that is
// differentiated.
func TestDataInputsSkipTheirGradient(t *testing.T) {
	cases := []struct {
		name    string
		shape   []int
		skipped string // the gradient op of the first block with respect to x
		build   func(b *Builder, x *G.Node) *G.Node
	}{
		{"linear", []int{6, 5}, "LinearGrad(l, x)", func(b *Builder, x *G.Node) *G.Node { return Linear(b, "l", x, 3) }},
		{"flatten, linear", []int{6, 1, 3, 3}, "LinearGrad(l, x)", func(b *Builder, x *G.Node) *G.Node { return Linear(b, "l", Flatten(b, x), 3) }},
		{"conv2d", []int{3, 2, 6, 6}, "Conv2dGrad(c, x)", func(b *Builder, x *G.Node) *G.Node {
			return Linear(b, "l", Flatten(b, Conv2d(b, "c", x, 2, 3, 1)), 3)
		}},
	}
	r := rand.New(rand.NewPCG(9, 10))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			value := randomOf(r, tensor.Float64, tc.shape...)
			run := func(data bool) (ops string, grads [][]float64) {
				b := NewBuilder(NewStore(tensor.Float64, 1), Training)
				var x *G.Node
				if data {
					x = b.Input("x", tc.shape...)
				} else {
					x = G.NewTensor(b.Graph(), tensor.Float64, len(tc.shape), G.WithShape(tc.shape...), G.WithName("x"))
				}
				if err := G.Let(x, value); err != nil {
					t.Fatal(err)
				}
				cost := G.Must(G.Sum(tc.build(b, x)))
				if err := b.Err(); err != nil {
					t.Fatal(err)
				}
				wrt := b.Learnables()
				if !data {
					wrt = append(G.Nodes{x}, wrt...)
				}
				if _, err := G.Grad(cost, wrt...); err != nil {
					t.Fatal(err)
				}
				vm := G.NewTapeMachine(b.Graph(), G.BindDualValues(wrt...))
				defer vm.Close()
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				for _, n := range b.Graph().AllNodes() {
					if n.Op() != nil {
						ops += n.Op().String() + " "
					}
				}
				for _, n := range b.Learnables() {
					gv, err := n.Grad()
					if err != nil {
						t.Fatal(err)
					}
					grads = append(grads, append([]float64(nil), gv.Data().([]float64)...))
				}
				return ops, grads
			}
			dataOps, dataGrads := run(true)
			varOps, varGrads := run(false)
			if strings.Contains(dataOps, tc.skipped) {
				t.Errorf("graph over data computes %s: %s", tc.skipped, dataOps)
			}
			if !strings.Contains(varOps, tc.skipped) {
				t.Errorf("graph over a differentiated input has no %s: %s", tc.skipped, varOps)
			}
			if !reflect.DeepEqual(dataGrads, varGrads) {
				t.Errorf("learnables' gradients differ: %v over data, %v otherwise", dataGrads, varGrads)
			}
		})
	}
}

// TestPool2MatchesOrderedComparison: the branch-free 2×2 pooling gives the
// maximum and index of comparing each window in order (the first maximum
// wins, a NaN replaces it) on values with many ties, zeros of both signs,
// infinities and NaNs; a maximum that is a zero may differ only in sign.
// float32 (through pool2Plane's vector path where the CPU has one) and
// float64 alike, with and without the fused ReLU (then: max(·, 0), and no
// index where the maximum is not positive).
func TestPool2MatchesOrderedComparison(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	values := []float32{-2, -1, float32(math.Copysign(0, -1)), 0, 1, 2,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	const h = 6
	for trial := 0; trial < 1500; trial++ {
		// Widths whose rows hold a partial group of 16 windows (AVX-512's
		// masked tail), whole groups, and both.
		w := []int{10, 64, 46}[trial%3]
		relu := trial%2 == 1
		plane := make([]float32, h*w)
		for i := range plane {
			plane[i] = values[r.IntN(len(values))]
		}
		y := make([]float32, h/2*w/2)
		idx := make([]int32, len(y))
		pool2(plane, w, h/2, w/2, y, idx, relu)
		plane64, y64, idx64 := make([]float64, len(plane)), make([]float64, len(y)), make([]int32, len(idx))
		for i, v := range plane {
			plane64[i] = float64(v)
		}
		pool2(plane64, w, h/2, w/2, y64, idx64, relu)
		for i := range y {
			if float64(y[i]) != y64[i] && !(y64[i] != y64[i] && y[i] != y[i]) || idx[i] != idx64[i] {
				t.Fatalf("output %d: float32 %v at %d, float64 %v at %d", i, y[i], idx[i], y64[i], idx64[i])
			}
		}
		for oy := 0; oy < h/2; oy++ {
			for ox := 0; ox < w/2; ox++ {
				at := 2*oy*w + 2*ox
				best, bi := plane[at], at
				for _, o := range []int{at + 1, at + w, at + w + 1} {
					if v := plane[o]; v > best || v != v {
						best, bi = v, o
					}
				}
				if relu && !(best > 0) {
					bi = -1
					if best == best {
						best = 0
					}
				}
				got, gotAt := y[oy*w/2+ox], int(idx[oy*w/2+ox])
				same := got == best || (got != got && best != best)
				if !same || gotAt != bi {
					t.Fatalf("w %d relu %v window %v: max %v at %d, want %v at %d", w, relu,
						[]float32{plane[at], plane[at+1], plane[at+w], plane[at+w+1]}, got, gotAt, best, bi)
				}
			}
		}
	}
}
