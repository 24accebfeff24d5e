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

// reluOp is max(x, 0), elementwise, as one op: Gorgonia's Rectify is
// x ⊙ (x ≥ 0), two ops whose derivative clones and compares, and on a cnn2
// training step it cost 17 % of the time (bench/README.md). The result goes
// into an output tensor the op keeps between steps (see output).
//
// It differs from Rectify only where Rectify is arguably wrong: at x = 0 the
// gradient is 0 (PyTorch's convention; Rectify passes dy), negative inputs
// give +0 (Rectify -0), and -Inf gives 0 (Rectify NaN). NaN stays NaN.
type reluOp struct {
	opBase
	dims int
	out  *tensor.Dense
}

func (op *reluOp) Arity() int { return 1 }
func (op *reluOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}
func (op *reluOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return sameShape("relu", in[0])
}
func (op *reluOp) WriteHash(h hash.Hash) { writeHash(h, "relu(%d)", op.dims) }
func (op *reluOp) Hashcode() uint32      { return hashOf(op.WriteHash) }
func (op *reluOp) String() string        { return fmt.Sprintf("ReLU(%dd)", op.dims) }

func (op *reluOp) Do(values ...G.Value) (G.Value, error) {
	if len(values) != 1 {
		return nil, errors.Errorf("relu: %d inputs, want 1", len(values))
	}
	x, err := dense(values[0], "relu input")
	if err != nil {
		return nil, err
	}
	y := output(&op.out, x.Dtype(), x.Shape()...)
	switch x.Dtype() {
	case tensor.Float32:
		reluForward(x.Shape(), x.Float32s(), y.Float32s())
	case tensor.Float64:
		reluForward(x.Shape(), x.Float64s(), y.Float64s())
	default:
		return nil, errors.Errorf("relu: unsupported dtype %v", x.Dtype())
	}
	return y, nil
}

// reluForward writes max(x, 0) to y: Go's max, which is branch-free
// (MAXSS/MAXSD), gives +0 for -0 and keeps NaN. A branch on the sign costs
// 5 to 9 times as much on the half-negative inputs of a network, by
// mispredictions (2.7-3.2 ms against 0.3-0.5 ms for cnn2's first ReLU, one
// core).
func reluForward[T float](s tensor.Shape, x, y []T) {
	forElems(s, func(lo, hi int) {
		y := y[lo:hi]
		for i, v := range x[lo:hi] {
			y[i] = max(v, 0)
		}
	})
}

// forElems calls f on ranges of elements of a tensor of shape s, cut at
// sample boundaries (the first dimension) into forBlocks' blocks; elementwise
// work does not depend on the partition.
func forElems(s tensor.Shape, f func(lo, hi int)) {
	total := s.TotalSize()
	n := 1
	if len(s) > 0 && s[0] > 0 {
		n = s[0]
	}
	per := total / n
	forBlocks(n, total, func(_, lo, hi int) { f(lo*per, hi*per) })
}

func (op *reluOp) DiffWRT(int) []bool { return []bool{true} }

func (op *reluOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return oneGradient(&reluGradOp{dims: op.dims}, inputs[0], grad)
}

// reluGradOp is the derivative of reluOp from (x, dy): dy where x > 0, else 0.
type reluGradOp struct {
	opBase
	dims int
	out  *tensor.Dense
}

func (op *reluGradOp) Arity() int { return 2 }
func (op *reluGradOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op *reluGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return sameShape("relu gradient", in[0])
}
func (op *reluGradOp) WriteHash(h hash.Hash) { writeHash(h, "relu-grad(%d)", op.dims) }
func (op *reluGradOp) Hashcode() uint32      { return hashOf(op.WriteHash) }
func (op *reluGradOp) String() string        { return fmt.Sprintf("ReLUGrad(%dd)", op.dims) }

func (op *reluGradOp) Do(values ...G.Value) (G.Value, error) {
	if len(values) != 2 {
		return nil, errors.Errorf("relu gradient: %d inputs, want 2", len(values))
	}
	x, err := dense(values[0], "relu gradient input")
	if err != nil {
		return nil, err
	}
	dy, err := dense(values[1], "relu gradient")
	if err != nil {
		return nil, err
	}
	if !dy.Shape().Eq(x.Shape()) || dy.Dtype() != x.Dtype() {
		return nil, errors.Errorf("relu gradient: output gradient %v %v for input %v %v", dy.Shape(), dy.Dtype(), x.Shape(), x.Dtype())
	}
	dx := output(&op.out, x.Dtype(), x.Shape()...)
	switch x.Dtype() {
	case tensor.Float32:
		reluBackward(x.Shape(), x.Float32s(), dy.Float32s(), dx.Float32s())
	case tensor.Float64:
		reluBackward(x.Shape(), x.Float64s(), dy.Float64s(), dx.Float64s())
	default:
		return nil, errors.Errorf("relu gradient: unsupported dtype %v", x.Dtype())
	}
	return dx, nil
}

// reluBackward writes dy where x > 0 and +0 elsewhere (NaN included) to dx,
// by masking dy's bits with a mask set without a branch (the comparison
// compiles to SETcc): the branching version was as slow as the forward one.
func reluBackward[T float](s tensor.Shape, x, dy, dx []T) {
	forElems(s, func(lo, hi int) {
		switch x := any(x[lo:hi]).(type) {
		case []float32:
			reluMask32(x, any(dy[lo:hi]).([]float32), any(dx[lo:hi]).([]float32))
		case []float64:
			reluMask64(x, any(dy[lo:hi]).([]float64), any(dx[lo:hi]).([]float64))
		}
	})
}

func reluMask32(x, dy, dx []float32) {
	dy, dx = dy[:len(x)], dx[:len(x)]
	for i, v := range x {
		var m uint32
		if v > 0 {
			m = 1
		}
		dx[i] = math.Float32frombits(math.Float32bits(dy[i]) & -m)
	}
}

func reluMask64(x, dy, dx []float64) {
	dy, dx = dy[:len(x)], dx[:len(x)]
	for i, v := range x {
		var m uint64
		if v > 0 {
			m = 1
		}
		dx[i] = math.Float64frombits(math.Float64bits(dy[i]) & -m)
	}
}
