package graph

import (
	G "gorgonia.org/gorgonia"
)

// Linear adds y = x·W + b for x of shape (N, in), PyTorch's nn.Linear(in,
// out) with parameters name+".weight" (PyTorch shape out×in, held here as its
// transpose, in×out) and name+".bias". It is one op with the bias fused (see
// linearOp).
func Linear(b *Builder, name string, x *G.Node, out int) *G.Node {
	if !b.ok(x) || !b.expectDims("linear "+name, x, 2) {
		return nil
	}
	in := x.Shape()[1]
	if out < 1 {
		b.Failf("linear %s: %d outputs", name, out)
		return nil
	}
	w, err := b.store.param(name+".weight", Learnable, []int{in, out}, []int{out, in}, true, uniform(in))
	if err != nil {
		b.fail(err, "linear")
		return nil
	}
	bias, err := b.store.param(name+".bias", Learnable, []int{1, out}, []int{out}, false, uniform(in))
	if err != nil {
		b.fail(err, "linear")
		return nil
	}
	y, err := G.ApplyOp(&linearOp{name: name, dataInput: b.isData(x)}, x, b.node(w), b.node(bias))
	b.fail(err, "linear "+name)
	b.record(y, Block{Kind: LinearBlock, Name: name, Inputs: []*G.Node{x}, Params: []*Param{w, bias}})
	return y
}

// Flatten reshapes (N, ...) to (N, product of the rest), like PyTorch's
// out.view(out.size(0), -1).
func Flatten(b *Builder, x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	s := x.Shape()
	if len(s) < 2 {
		b.Failf("flatten: input %v needs a batch dimension and at least one more", shapeString(s))
		return nil
	}
	if len(s) == 2 {
		return x
	}
	y, err := G.Reshape(x, []int{s[0], s.TotalSize() / s[0]})
	b.fail(err, "flatten")
	b.record(y, Block{Kind: FlattenBlock, Inputs: []*G.Node{x}})
	if err == nil && b.isData(x) {
		b.data[y] = true
	}
	return y
}
