package graph

import (
	"strings"

	G "gorgonia.org/gorgonia"
)

// ReLU adds max(x, 0), elementwise, as the zoo's reluOp (relu.go): one pass
// forward into a reused tensor, one pass backward, where Gorgonia's Rectify
// takes a comparison, a product and clones. Its gradient is 0 where x = 0, as
// PyTorch's. A scalar goes through Rectify.
func ReLU(b *Builder, x *G.Node) *G.Node {
	return unary(b, ReLUBlock, func(x *G.Node) (*G.Node, error) {
		if x.Dims() == 0 {
			return G.Rectify(x)
		}
		return G.ApplyOp(&reluOp{dims: x.Dims()}, x)
	}, x)
}

// Tanh adds tanh(x), elementwise, as one op whose derivative, 1 − tanh²,
// is taken from its output (smoothop.go). A scalar goes through G.Tanh.
func Tanh(b *Builder, x *G.Node) *G.Node {
	return unary(b, TanhBlock, func(x *G.Node) (*G.Node, error) {
		if x.Dims() == 0 {
			return G.Tanh(x)
		}
		return G.ApplyOp(&smoothOp{kind: tanhKind, dims: x.Dims()}, x)
	}, x)
}

// Sigmoid adds 1/(1+exp(-x)), elementwise, as one op whose derivative,
// σ·(1 − σ), is taken from its output (smoothop.go). A scalar goes through
// G.Sigmoid.
func Sigmoid(b *Builder, x *G.Node) *G.Node {
	return unary(b, SigmoidBlock, func(x *G.Node) (*G.Node, error) {
		if x.Dims() == 0 {
			return G.Sigmoid(x)
		}
		return G.ApplyOp(&smoothOp{kind: sigmoidKind, dims: x.Dims()}, x)
	}, x)
}

func unary(b *Builder, kind BlockKind, f func(*G.Node) (*G.Node, error), x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	y, err := f(x)
	b.fail(err, strings.ToLower(string(kind)))
	b.record(y, Block{Kind: kind, Inputs: []*G.Node{x}})
	return y
}
