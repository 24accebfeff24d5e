package graph

import (
	G "gorgonia.org/gorgonia"
)

// ReLU adds max(x, 0), elementwise.
func ReLU(b *Builder, x *G.Node) *G.Node { return unary(b, "relu", G.Rectify, x) }

// Tanh adds tanh(x), elementwise.
func Tanh(b *Builder, x *G.Node) *G.Node { return unary(b, "tanh", G.Tanh, x) }

// Sigmoid adds 1/(1+exp(-x)), elementwise.
func Sigmoid(b *Builder, x *G.Node) *G.Node { return unary(b, "sigmoid", G.Sigmoid, x) }

func unary(b *Builder, name string, f func(*G.Node) (*G.Node, error), x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	y, err := f(x)
	b.fail(err, name)
	return y
}
