package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Activation is an elementwise function for Elementwise: F gives y = f(x)
// and DF the derivative f'(x), given x and y (y is there for functions
// whose derivative is cheaper from their value, as the sigmoid's
// y(1 − y)). Name names the block in errors, Outputs and exports; it must
// say what the function is, since ops with the same name are taken to
// compute the same thing.
type Activation struct {
	Name string
	F    func(x float64) float64
	DF   func(x, y float64) float64
}

// Elementwise applies act to every element of x, as a block of one op and
// its gradient op: the way to try an activation of one's own (see the
// example, and CheckGradient to test it). It computes in float64 through
// act's functions, one call per element, split across cores like the
// package's own ops; the package's activations (ReLU, Tanh, Sigmoid) are
// ops of their own, written for speed.
func Elementwise(b *Builder, act Activation, x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	if act.Name == "" || act.F == nil || act.DF == nil {
		b.Failf("elementwise: the activation needs a name, F and DF")
		return nil
	}
	y, err := G.ApplyOp(&elementwiseOp{act: act, dims: x.Dims()}, x)
	b.fail(err, act.Name)
	b.record(y, Block{Kind: BlockKind(act.Name), Inputs: []*G.Node{x}})
	return y
}

// elementwiseOp is y = act.F(x), element by element.
type elementwiseOp struct {
	opBase
	act  Activation
	dims int
	out  *tensor.Dense
}

func (op *elementwiseOp) Arity() int { return 1 }
func (op *elementwiseOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}
func (op *elementwiseOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return sameShape(op.act.Name, in[0])
}
func (op *elementwiseOp) WriteHash(h hash.Hash) {
	writeHash(h, "elementwise(%s,%d)", op.act.Name, op.dims)
}
func (op *elementwiseOp) Hashcode() uint32 { return hashOf(op.WriteHash) }
func (op *elementwiseOp) String() string   { return fmt.Sprintf("%s(%dd)", op.act.Name, op.dims) }

func (op *elementwiseOp) Do(values ...G.Value) (G.Value, error) {
	if len(values) != 1 {
		return nil, errors.Errorf("%s: %d inputs, want 1", op.act.Name, len(values))
	}
	x, err := dense(values[0], op.act.Name+" input")
	if err != nil {
		return nil, err
	}
	y := output(&op.out, x.Dtype(), x.Shape()...)
	switch x.Dtype() {
	case tensor.Float32:
		mapElems(x.Shape(), x.Float32s(), y.Float32s(), op.act.F)
	case tensor.Float64:
		mapElems(x.Shape(), x.Float64s(), y.Float64s(), op.act.F)
	default:
		return nil, errors.Errorf("%s: unsupported dtype %v", op.act.Name, x.Dtype())
	}
	return y, nil
}

// mapElems writes f(x) to y, split across cores by forElems.
func mapElems[T float](s tensor.Shape, x, y []T, f func(float64) float64) {
	forElems(s, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			y[i] = T(f(float64(x[i])))
		}
	})
}

func (op *elementwiseOp) DiffWRT(int) []bool { return []bool{true} }

func (op *elementwiseOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return oneGradient(&elementwiseGradOp{fwd: op}, inputs[0], output, grad)
}

// elementwiseGradOp is dx = dy · act.DF(x, y), from (x, y, dy).
type elementwiseGradOp struct {
	opBase
	fwd *elementwiseOp
	out *tensor.Dense
}

func (op *elementwiseGradOp) Arity() int { return 3 }
func (op *elementwiseGradOp) Type() hm.Type {
	t := G.TensorType{Dims: op.fwd.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t, t)
}
func (op *elementwiseGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return sameShape(op.fwd.act.Name+" gradient", in[0])
}
func (op *elementwiseGradOp) WriteHash(h hash.Hash) {
	writeHash(h, "elementwise-grad(%s,%d)", op.fwd.act.Name, op.fwd.dims)
}
func (op *elementwiseGradOp) Hashcode() uint32 { return hashOf(op.WriteHash) }
func (op *elementwiseGradOp) String() string {
	return fmt.Sprintf("%sGrad(%dd)", op.fwd.act.Name, op.fwd.dims)
}

func (op *elementwiseGradOp) Do(values ...G.Value) (G.Value, error) {
	what := op.fwd.act.Name + " gradient"
	if len(values) != 3 {
		return nil, errors.Errorf("%s: %d inputs, want 3", what, len(values))
	}
	var ts [3]*tensor.Dense
	for i, v := range values {
		t, err := dense(v, what)
		if err != nil {
			return nil, err
		}
		if i > 0 && (!t.Shape().Eq(ts[0].Shape()) || t.Dtype() != ts[0].Dtype()) {
			return nil, errors.Errorf("%s: input %d is %v %v, want %v %v", what, i, t.Shape(), t.Dtype(), ts[0].Shape(), ts[0].Dtype())
		}
		ts[i] = t
	}
	x, y, dy := ts[0], ts[1], ts[2]
	dx := output(&op.out, x.Dtype(), x.Shape()...)
	df := op.fwd.act.DF
	switch x.Dtype() {
	case tensor.Float32:
		gradElems(x.Shape(), x.Float32s(), y.Float32s(), dy.Float32s(), dx.Float32s(), df)
	case tensor.Float64:
		gradElems(x.Shape(), x.Float64s(), y.Float64s(), dy.Float64s(), dx.Float64s(), df)
	default:
		return nil, errors.Errorf("%s: unsupported dtype %v", what, x.Dtype())
	}
	return dx, nil
}

func gradElems[T float](s tensor.Shape, x, y, dy, dx []T, df func(x, y float64) float64) {
	forElems(s, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dx[i] = dy[i] * T(df(float64(x[i]), float64(y[i])))
		}
	})
}

// sameShape is the InferShape of an op whose output has its input's shape.
func sameShape(what string, in G.DimSizer) (tensor.Shape, error) {
	s, ok := in.(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("%s: input shape is %T", what, in)
	}
	return s.Clone(), nil
}
