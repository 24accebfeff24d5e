package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Add adds y = x₁ + x₂ + … + xₙ, elementwise, for two or more inputs of one
// shape: a residual join (ResNet's out += identity). The sum is taken in
// the inputs' order, so that it does not depend on the number of cores;
// the gradient of every input is the output's gradient (none for data). It
// fails for fewer than two inputs or inputs of different shapes.
func Add(b *Builder, xs ...*G.Node) *G.Node {
	if !b.ok(xs...) {
		return nil
	}
	if len(xs) < 2 {
		b.Failf("add: %d inputs, want at least 2", len(xs))
		return nil
	}
	for _, x := range xs[1:] {
		if !x.Shape().Eq(xs[0].Shape()) || x.Dtype() != xs[0].Dtype() {
			b.Failf("add: inputs %v %v and %v %v differ", xs[0].Shape(), xs[0].Dtype(), x.Shape(), x.Dtype())
			return nil
		}
	}
	data := make([]bool, len(xs))
	for i, x := range xs {
		data[i] = b.isData(x)
	}
	y, err := G.ApplyOp(&addOp{n: len(xs), dims: xs[0].Dims(), data: data}, xs...)
	b.fail(err, "add")
	b.record(y, Block{Kind: AddBlock, Inputs: append([]*G.Node(nil), xs...)})
	return y
}

// addOp is the sum of its n inputs of one shape.
type addOp struct {
	opBase
	n, dims int
	data    []bool // inputs that take no gradient
	out     *tensor.Dense
}

func (op *addOp) Arity() int { return op.n }
func (op *addOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	ts := make([]hm.Type, op.n+1)
	for i := range ts {
		ts[i] = t
	}
	return hm.NewFnType(ts...)
}
func (op *addOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return sameShape("add", in[0])
}
func (op *addOp) WriteHash(h hash.Hash) { writeHash(h, "add(%d,%d,%v)", op.n, op.dims, op.data) }
func (op *addOp) Hashcode() uint32      { return hashOf(op.WriteHash) }
func (op *addOp) String() string        { return fmt.Sprintf("Add(%d×%dd)", op.n, op.dims) }

func (op *addOp) Do(values ...G.Value) (G.Value, error) {
	if len(values) != op.n {
		return nil, errors.Errorf("add: %d inputs, want %d", len(values), op.n)
	}
	xs := make([]*tensor.Dense, op.n)
	for i, v := range values {
		x, err := dense(v, "add input")
		if err != nil {
			return nil, err
		}
		if i > 0 && (!x.Shape().Eq(xs[0].Shape()) || x.Dtype() != xs[0].Dtype()) {
			return nil, errors.Errorf("add: input %d is %v %v, want %v %v", i, x.Shape(), x.Dtype(), xs[0].Shape(), xs[0].Dtype())
		}
		xs[i] = x
	}
	y := output(&op.out, xs[0].Dtype(), xs[0].Shape()...)
	switch y.Dtype() {
	case tensor.Float32:
		addForward(y.Shape(), xs, (*tensor.Dense).Float32s, y.Float32s())
	case tensor.Float64:
		addForward(y.Shape(), xs, (*tensor.Dense).Float64s, y.Float64s())
	default:
		return nil, errors.Errorf("add: unsupported dtype %v", y.Dtype())
	}
	return y, nil
}

// addForward writes the sum of xs to y, input by input.
func addForward[T float](s tensor.Shape, xs []*tensor.Dense, data func(*tensor.Dense) []T, y []T) {
	forElems(s, func(lo, hi int) {
		y := y[lo:hi]
		copy(y, data(xs[0])[lo:hi])
		for _, x := range xs[1:] {
			for i, v := range data(x)[lo:hi] {
				y[i] += v
			}
		}
	})
}

func (op *addOp) DiffWRT(int) []bool {
	wrt := make([]bool, op.n)
	for i, d := range op.data {
		wrt[i] = !d
	}
	return wrt
}

// SymDiff passes the output's gradient on to every input that takes one:
// the node itself, no copy (no op of this package writes its inputs).
func (op *addOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	grads := make(G.Nodes, op.n)
	for i, d := range op.data {
		if !d {
			grads[i] = grad
		}
	}
	return grads, nil
}
