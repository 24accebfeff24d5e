package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// linearOp is y = x·W + b for x (N, in), W (in, out) and b (1, out): one
// matrix product over rows preset to the bias, into an output tensor the op
// keeps between steps. Gorgonia's Mul and BroadcastAdd make the same result
// in two ops, each allocating its output every step, with a broadcast add
// whose derivative is a reduction op of its own.
//
// The rows of the batch are cut into linearBlocks blocks, one product each,
// run on up to GOMAXPROCS goroutines: the OpenBLAS build runs one thread per
// call (graph/blas_openblas.go), so one product would leave a core idle.
type linearOp struct {
	opBase
	name string
	// dataInput is set when x is data (a Builder input): nothing asks for
	// its gradient, and computing it would cost as much as the forward
	// product.
	dataInput bool

	out *tensor.Dense
}

// linearBlocks is the number of blocks a dimension of d rows is cut into: a
// function of d alone, so that results do not depend on the number of cores,
// with blocks of at least 48 rows, which keep the products efficient.
func linearBlocks(d int) int { return max(1, min(d/48, maxBlocks)) }

// weightBlocks is the number of blocks of rows of W its gradient is cut
// into. Each block's product sums over only the batch (100 for the course),
// so blocks are made larger, at least 384 rows: on model1 two blocks of 392
// rows made a step about 10 % faster than eight of 98.
func weightBlocks(in int) int { return max(1, min(in/384, maxBlocks)) }

// linearGeom is the shape of one linear product.
type linearGeom struct{ n, in, out int }

func linearGeometry(x, w tensor.Shape) (linearGeom, error) {
	if len(x) != 2 || len(w) != 2 || x[1] != w[0] {
		return linearGeom{}, errors.Errorf("linear: input %v does not fit weights %v", x, w)
	}
	return linearGeom{n: x[0], in: x[1], out: w[1]}, nil
}

func (op *linearOp) Arity() int { return 3 }
func (op *linearOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t, t)
}
func (op *linearOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, errors.Errorf("linear %s: %d input shapes, want 3", op.name, len(in))
	}
	x, ok1 := in[0].(tensor.Shape)
	w, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 {
		return nil, errors.Errorf("linear %s: input shapes are %T and %T", op.name, in[0], in[1])
	}
	g, err := linearGeometry(x, w)
	if err != nil {
		return nil, errors.Wrap(err, op.name)
	}
	return tensor.Shape{g.n, g.out}, nil
}
func (op *linearOp) WriteHash(h hash.Hash) { writeHash(h, "linear(%s,%v)", op.name, op.dataInput) }
func (op *linearOp) Hashcode() uint32      { return hashOf(op.WriteHash) }
func (op *linearOp) String() string        { return fmt.Sprintf("Linear(%s)", op.name) }

// linearInputs unpacks and checks (x, W, third) of the linear ops.
func linearInputs(what string, values []G.Value) (x, w, third *tensor.Dense, g linearGeom, err error) {
	in, err := convInputs(what, values, 3)
	if err != nil {
		return nil, nil, nil, g, err
	}
	g, err = linearGeometry(in[0].Shape(), in[1].Shape())
	if err != nil {
		return nil, nil, nil, g, errors.Wrap(err, what)
	}
	return in[0], in[1], in[2], g, nil
}

func (op *linearOp) Do(values ...G.Value) (G.Value, error) {
	x, w, b, g, err := linearInputs("linear "+op.name, values)
	if err != nil {
		return nil, err
	}
	if b.Shape().TotalSize() != g.out {
		return nil, errors.Errorf("linear %s: bias %v for %d outputs", op.name, b.Shape(), g.out)
	}
	y := output(&op.out, x.Dtype(), g.n, g.out)
	switch x.Dtype() {
	case tensor.Float32:
		linearForward(g, x.Float32s(), w.Float32s(), b.Float32s(), y.Float32s())
	case tensor.Float64:
		linearForward(g, x.Float64s(), w.Float64s(), b.Float64s(), y.Float64s())
	default:
		return nil, errors.Errorf("linear %s: unsupported dtype %v", op.name, x.Dtype())
	}
	return y, nil
}

func linearForward[T blasFloat](g linearGeom, x, w, bias, y []T) {
	forBlocksOf(linearBlocks(g.n), g.n, g.n*g.in*g.out, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			copy(y[i*g.out:(i+1)*g.out], bias)
		}
		gemm(false, false, hi-lo, g.out, g.in, 1, x[lo*g.in:], g.in, w, g.out, 1, y[lo*g.out:], g.out)
	})
}

func (op *linearOp) DiffWRT(int) []bool { return []bool{!op.dataInput, true, true} }

func (op *linearOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	bias := inputs[2].Shape()
	return affineGrads(inputs, grad, op.dataInput, func(wrt int) G.Op {
		return &linearGradOp{fwd: op, wrt: wrt, biasShape: bias}
	})
}

// linearGradOp is the derivative of a linearOp from (x, W, dy) with respect
// to its input (wrt 0: dy·Wᵀ, by row blocks), its weights (1: xᵀ·dy, by
// blocks of rows of W, each summing over the whole batch) or its bias (2:
// the column sums of dy, in float64, in row order). Every element comes from
// one product over a partition fixed by the sizes: no result depends on the
// number of cores.
type linearGradOp struct {
	opBase
	fwd       *linearOp
	wrt       int
	biasShape tensor.Shape // wrt 2

	out *tensor.Dense
}

func (op *linearGradOp) Arity() int { return 3 }
func (op *linearGradOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t, t)
}
func (op *linearGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return affineGradShape("linear "+op.fwd.name, op.wrt, in, op.biasShape)
}
func (op *linearGradOp) WriteHash(h hash.Hash) {
	writeHash(h, "linear-grad(%s,%d)", op.fwd.name, op.wrt)
}
func (op *linearGradOp) Hashcode() uint32 { return hashOf(op.WriteHash) }
func (op *linearGradOp) String() string {
	return "LinearGrad(" + op.fwd.name + ", " + [...]string{"x", "weight", "bias"}[op.wrt] + ")"
}

func (op *linearGradOp) Do(values ...G.Value) (G.Value, error) {
	what := "linear " + op.fwd.name + " gradient"
	x, w, dy, g, err := linearInputs(what, values)
	if err != nil {
		return nil, err
	}
	if !dy.Shape().Eq(tensor.Shape{g.n, g.out}) {
		return nil, errors.Errorf("%s: output gradient %v for input %v and weights %v", what, dy.Shape(), x.Shape(), w.Shape())
	}
	out := output(&op.out, x.Dtype(), affineGradOutShape(op.wrt, x, w, op.biasShape)...)
	switch x.Dtype() {
	case tensor.Float32:
		linearBackward(op.wrt, g, x.Float32s(), w.Float32s(), dy.Float32s(), out.Float32s())
	case tensor.Float64:
		linearBackward(op.wrt, g, x.Float64s(), w.Float64s(), dy.Float64s(), out.Float64s())
	default:
		return nil, errors.Errorf("%s: unsupported dtype %v", what, x.Dtype())
	}
	return out, nil
}

func linearBackward[T blasFloat](wrt int, g linearGeom, x, w, dy, out []T) {
	work := g.n * g.in * g.out
	switch wrt {
	case 0: // dx (n×in) = dy (n×out) · Wᵀ
		forBlocksOf(linearBlocks(g.n), g.n, work, func(_, lo, hi int) {
			gemm(false, true, hi-lo, g.in, g.out, 1, dy[lo*g.out:], g.out, w, g.out, 0, out[lo*g.in:], g.in)
		})
	case 1: // dW (in×out) = xᵀ (in×n) · dy (n×out), rows [lo, hi) of dW per block
		forBlocksOf(weightBlocks(g.in), g.in, work, func(_, lo, hi int) {
			gemm(true, false, hi-lo, g.out, g.n, 1, x[lo:], g.in, dy, g.out, 0, out[lo*g.out:], g.out)
		})
	default:
		for j := 0; j < g.out; j++ {
			var acc float64
			for i := 0; i < g.n; i++ {
				acc += float64(dy[i*g.out+j])
			}
			out[j] = T(acc)
		}
	}
}
