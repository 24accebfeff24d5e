package graph

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// cnn2's layers at the course's batch of 100: conv 1→16 on 28×28 and 16→32
// on 14×14, kernel 5, padding 2; max-pool 2 of their outputs.
var benchLayers = []struct {
	name          string
	c, h, out     int
	kernel, pad   int
	poolC, poolHW int
}{
	{"layer1", 1, 28, 16, 5, 2, 16, 28},
	{"layer2", 16, 14, 32, 5, 2, 32, 14},
}

// benchStep runs forward and backward of y = f(x) (cost Σy, gradients with
// respect to the learnables and x) once per iteration, as a training step
// runs it.
func benchStep(b *testing.B, xShape []int, f func(g *G.ExprGraph, x *G.Node, learn *G.Nodes) *G.Node) {
	r := rand.New(rand.NewPCG(1, 1))
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(xShape...), G.WithName("x"), G.WithValue(randomOf(r, tensor.Float32, xShape...)))
	var learn G.Nodes
	y := f(g, x, &learn)
	cost := G.Must(G.Sum(y))
	wrt := append(G.Nodes{x}, learn...)
	if _, err := G.Grad(cost, wrt...); err != nil {
		b.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
	defer vm.Close()
	b.ReportAllocs()
	for b.Loop() {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConv2d compares Gorgonia's Conv2d plus a broadcast bias with the
// zoo's conv2dOp, forward and backward, on cnn2's two layers; zoo-fresh-outputs
// is the zoo's op allocating its outputs every step (reuseOutputs off).
func BenchmarkConv2d(b *testing.B) {
	for _, l := range benchLayers {
		param := func(g *G.ExprGraph, learn *G.Nodes, name string, shape ...int) *G.Node {
			r := rand.New(rand.NewPCG(2, 2))
			n := G.NewTensor(g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(randomOf(r, tensor.Float32, shape...)))
			*learn = append(*learn, n)
			return n
		}
		xShape := []int{100, l.c, l.h, l.h}
		b.Run(l.name+"/gorgonia", func(b *testing.B) {
			benchStep(b, xShape, func(g *G.ExprGraph, x *G.Node, learn *G.Nodes) *G.Node {
				w := param(g, learn, "w", l.out, l.c, l.kernel, l.kernel)
				bias := param(g, learn, "b", 1, l.out, 1, 1)
				y := G.Must(G.Conv2d(x, w, tensor.Shape{l.kernel, l.kernel}, []int{l.pad, l.pad}, []int{1, 1}, []int{1, 1}))
				return G.Must(G.BroadcastAdd(y, bias, nil, []byte{0, 2, 3}))
			})
		})
		zoo := func(b *testing.B) {
			benchStep(b, xShape, func(g *G.ExprGraph, x *G.Node, learn *G.Nodes) *G.Node {
				w := param(g, learn, "w", l.out, l.c, l.kernel, l.kernel)
				bias := param(g, learn, "b", 1, l.out, 1, 1)
				return G.Must(G.ApplyOp(&conv2dOp{name: "c", pad: l.pad}, x, w, bias))
			})
		}
		b.Run(l.name+"/zoo", zoo)
		b.Run(l.name+"/zoo-fresh-outputs", func(b *testing.B) {
			reuseOutputs = false
			defer func() { reuseOutputs = true }()
			zoo(b)
		})
	}
}

// BenchmarkMaxPool2d compares Gorgonia's MaxPool2D with the zoo's maxPoolOp,
// forward and backward, on the outputs of cnn2's two conv layers.
func BenchmarkMaxPool2d(b *testing.B) {
	for _, l := range benchLayers {
		xShape := []int{100, l.poolC, l.poolHW, l.poolHW}
		b.Run(l.name+"/gorgonia", func(b *testing.B) {
			benchStep(b, xShape, func(g *G.ExprGraph, x *G.Node, _ *G.Nodes) *G.Node {
				return G.Must(G.MaxPool2D(x, tensor.Shape{2, 2}, []int{0, 0}, []int{2, 2}))
			})
		})
		b.Run(l.name+"/zoo", func(b *testing.B) {
			benchStep(b, xShape, func(g *G.ExprGraph, x *G.Node, _ *G.Nodes) *G.Node {
				return G.Must(G.ApplyOp(&maxPoolOp{kernel: 2}, x))
			})
		})
	}
}
