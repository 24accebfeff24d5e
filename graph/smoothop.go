package graph

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// smoothKind names an activation whose derivative is a function of its
// output: tanh' = 1 − y², σ' = y·(1 − y).
type smoothKind int

const (
	tanhKind smoothKind = iota
	sigmoidKind
)

func (k smoothKind) String() string { return [...]string{"tanh", "sigmoid"}[k] }

// smoothOp is tanh or the logistic sigmoid, elementwise, as one op into an
// output tensor it keeps between steps. Gorgonia's Sigmoid computes exp in
// its forward pass and again in a derivative made of several ops, each
// allocating (a third of a model3 step); here the gradient op reads the
// output, so the exponential is taken once per element and step.
type smoothOp struct {
	opBase
	kind smoothKind
	dims int
	out  *tensor.Dense
}

func (op *smoothOp) Arity() int { return 1 }
func (op *smoothOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}
func (op *smoothOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return sameShape(fmt.Sprint(op.kind), in[0])
}
func (op *smoothOp) WriteHash(h hash.Hash) { writeHash(h, "%v(%d)", op.kind, op.dims) }
func (op *smoothOp) Hashcode() uint32      { return hashOf(op.WriteHash) }
func (op *smoothOp) String() string        { return fmt.Sprintf("%v(%dd)", op.kind, op.dims) }

func (op *smoothOp) Do(values ...G.Value) (G.Value, error) {
	if len(values) != 1 {
		return nil, errors.Errorf("%v: %d inputs, want 1", op.kind, len(values))
	}
	x, err := dense(values[0], op.kind.String()+" input")
	if err != nil {
		return nil, err
	}
	y := output(&op.out, x.Dtype(), x.Shape()...)
	switch x.Dtype() {
	case tensor.Float32:
		smoothForward(op.kind, x.Shape(), x.Float32s(), y.Float32s())
	case tensor.Float64:
		smoothForward(op.kind, x.Shape(), x.Float64s(), y.Float64s())
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op.kind, x.Dtype())
	}
	return y, nil
}

// smoothForward computes float32 tensors in float32 (math32.go) and float64
// ones with math.Tanh and math.Exp.
func smoothForward[T float](kind smoothKind, s tensor.Shape, x, y []T) {
	forElems(s, func(lo, hi int) {
		switch x := any(x[lo:hi]).(type) {
		case []float32:
			y := any(y[lo:hi]).([]float32)
			if kind == tanhKind {
				for i, v := range x {
					y[i] = tanh32(v)
				}
			} else {
				for i, v := range x {
					y[i] = sigmoid32(v)
				}
			}
		case []float64:
			y := any(y[lo:hi]).([]float64)
			if kind == tanhKind {
				for i, v := range x {
					y[i] = math.Tanh(v)
				}
			} else {
				for i, v := range x {
					y[i] = sigmoid(v)
				}
			}
		}
	})
}

// sigmoid is 1/(1+e^−v) computed without overflow: through e^v for
// negative v, where e^−v could overflow, so that large |v| give 0 and 1.
func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

func (op *smoothOp) DiffWRT(int) []bool { return []bool{true} }

func (op *smoothOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return oneGradient(&smoothGradOp{kind: op.kind, dims: op.dims}, output, grad)
}

// smoothGradOp is the derivative of a smoothOp from its output and the
// output's gradient (y, dy): dy·(1 − y²) for tanh, dy·y·(1 − y) for the
// sigmoid.
type smoothGradOp struct {
	opBase
	kind smoothKind
	dims int
	out  *tensor.Dense
}

func (op *smoothGradOp) Arity() int { return 2 }
func (op *smoothGradOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op *smoothGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return sameShape(fmt.Sprint(op.kind)+" gradient", in[0])
}
func (op *smoothGradOp) WriteHash(h hash.Hash) { writeHash(h, "%v-grad(%d)", op.kind, op.dims) }
func (op *smoothGradOp) Hashcode() uint32      { return hashOf(op.WriteHash) }
func (op *smoothGradOp) String() string        { return fmt.Sprintf("%vGrad(%dd)", op.kind, op.dims) }

func (op *smoothGradOp) Do(values ...G.Value) (G.Value, error) {
	what := op.kind.String() + " gradient"
	if len(values) != 2 {
		return nil, errors.Errorf("%s: %d inputs, want 2", what, len(values))
	}
	y, err := dense(values[0], what+" output")
	if err != nil {
		return nil, err
	}
	dy, err := dense(values[1], what)
	if err != nil {
		return nil, err
	}
	if !dy.Shape().Eq(y.Shape()) || dy.Dtype() != y.Dtype() {
		return nil, errors.Errorf("%s: output gradient %v %v for output %v %v", what, dy.Shape(), dy.Dtype(), y.Shape(), y.Dtype())
	}
	dx := output(&op.out, y.Dtype(), y.Shape()...)
	switch y.Dtype() {
	case tensor.Float32:
		smoothBackward(op.kind, y.Shape(), y.Float32s(), dy.Float32s(), dx.Float32s())
	case tensor.Float64:
		smoothBackward(op.kind, y.Shape(), y.Float64s(), dy.Float64s(), dx.Float64s())
	default:
		return nil, errors.Errorf("%s: unsupported dtype %v", what, y.Dtype())
	}
	return dx, nil
}

func smoothBackward[T float](kind smoothKind, s tensor.Shape, y, dy, dx []T) {
	forElems(s, func(lo, hi int) {
		y, dy, dx := y[lo:hi], dy[lo:hi], dx[lo:hi]
		dy, dx = dy[:len(y)], dx[:len(y)]
		if kind == tanhKind {
			for i, v := range y {
				dx[i] = dy[i] * (1 - v*v)
			}
			return
		}
		for i, v := range y {
			dx[i] = dy[i] * (v * (1 - v))
		}
	})
}
