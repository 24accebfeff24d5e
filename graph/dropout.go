package graph

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math/rand/v2"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Dropout adds PyTorch's nn.Dropout(p) for x of any shape: in Training
// each element is zeroed with probability p and the others scaled by
// 1/(1 − p), with a new mask every run; in Inference it is the identity
// and returns x itself (nothing is added or recorded). The masks are drawn
// in element order from a stream seeded by the Store's seed and the
// block's place in the graph, so that a run is the same on any number of
// cores and a model trained twice from one seed is the same; they are not
// PyTorch's. p must be in [0, 1).
func Dropout(b *Builder, x *G.Node, p float64) *G.Node {
	if !b.ok(x) {
		return nil
	}
	if !(p >= 0 && p < 1) {
		b.Failf("dropout: probability %v outside [0, 1)", p)
		return nil
	}
	if b.mode == Inference {
		return x
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "dropout %d %d", b.store.seed, len(b.blocks))
	op := &dropoutOp{p: p, dims: x.Dims(), rng: rand.New(rand.NewPCG(h.Sum64(), uint64(len(b.blocks))))}
	y, err := G.ApplyOp(op, x)
	b.fail(err, "dropout")
	b.record(y, Block{Kind: DropoutBlock, Inputs: []*G.Node{x}, P: p})
	return y
}

// dropoutOp is y = x ⊙ mask / (1 − p), mask drawn anew by each run (Do).
type dropoutOp struct {
	opBase
	p    float64
	dims int
	rng  *rand.Rand
	// repeat keeps the first mask for every run: for checking the
	// gradient by finite differences, which run the graph many times.
	repeat bool

	keep []bool // the mask of the last run
	out  *tensor.Dense
}

func (op *dropoutOp) Arity() int { return 1 }
func (op *dropoutOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}
func (op *dropoutOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return sameShape("dropout", in[0])
}

// WriteHash covers the op's identity: two dropouts of one input draw
// different masks and must not be merged.
func (op *dropoutOp) WriteHash(h hash.Hash) { writeHash(h, "dropout(%v,%d,%p)", op.p, op.dims, op) }
func (op *dropoutOp) Hashcode() uint32      { return hashOf(op.WriteHash) }
func (op *dropoutOp) String() string        { return fmt.Sprintf("Dropout(%v)", op.p) }

func (op *dropoutOp) Do(values ...G.Value) (G.Value, error) {
	if len(values) != 1 {
		return nil, errors.Errorf("dropout: %d inputs, want 1", len(values))
	}
	x, err := dense(values[0], "dropout input")
	if err != nil {
		return nil, err
	}
	n := x.Shape().TotalSize()
	if !op.repeat || len(op.keep) != n {
		if cap(op.keep) < n {
			op.keep = make([]bool, n)
		}
		op.keep = op.keep[:n]
		for i := range op.keep {
			op.keep[i] = op.rng.Float64() >= op.p
		}
	}
	y := output(&op.out, x.Dtype(), x.Shape()...)
	switch x.Dtype() {
	case tensor.Float32:
		dropoutApply(x.Shape(), op.keep, 1/(1-op.p), x.Float32s(), y.Float32s())
	case tensor.Float64:
		dropoutApply(x.Shape(), op.keep, 1/(1-op.p), x.Float64s(), y.Float64s())
	default:
		return nil, errors.Errorf("dropout: unsupported dtype %v", x.Dtype())
	}
	return y, nil
}

// dropoutApply writes x·scale where keep is set, else 0, to y: the forward
// pass on x and the backward pass on dy.
func dropoutApply[T float](s tensor.Shape, keep []bool, scale float64, x, y []T) {
	sc := T(scale)
	forElems(s, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if keep[i] {
				y[i] = x[i] * sc
			} else {
				y[i] = 0
			}
		}
	})
}

func (op *dropoutOp) DiffWRT(int) []bool { return []bool{true} }

func (op *dropoutOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return oneGradient(&dropoutGradOp{fwd: op}, grad)
}

// dropoutGradOp is dx = dy ⊙ mask / (1 − p), with the forward run's mask.
type dropoutGradOp struct {
	opBase
	fwd *dropoutOp
	out *tensor.Dense
}

func (op *dropoutGradOp) Arity() int { return 1 }
func (op *dropoutGradOp) Type() hm.Type {
	t := G.TensorType{Dims: op.fwd.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}
func (op *dropoutGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return sameShape("dropout gradient", in[0])
}
func (op *dropoutGradOp) WriteHash(h hash.Hash) {
	writeHash(h, "dropout-grad(%v,%d,%p)", op.fwd.p, op.fwd.dims, op.fwd)
}
func (op *dropoutGradOp) Hashcode() uint32 { return hashOf(op.WriteHash) }
func (op *dropoutGradOp) String() string   { return fmt.Sprintf("DropoutGrad(%v)", op.fwd.p) }

func (op *dropoutGradOp) Do(values ...G.Value) (G.Value, error) {
	if len(values) != 1 {
		return nil, errors.Errorf("dropout gradient: %d inputs, want 1", len(values))
	}
	dy, err := dense(values[0], "dropout gradient")
	if err != nil {
		return nil, err
	}
	if dy.Shape().TotalSize() != len(op.fwd.keep) {
		return nil, errors.Errorf("dropout gradient: %v for a mask of %d", dy.Shape(), len(op.fwd.keep))
	}
	dx := output(&op.out, dy.Dtype(), dy.Shape()...)
	switch dy.Dtype() {
	case tensor.Float32:
		dropoutApply(dy.Shape(), op.fwd.keep, 1/(1-op.fwd.p), dy.Float32s(), dx.Float32s())
	case tensor.Float64:
		dropoutApply(dy.Shape(), op.fwd.keep, 1/(1-op.fwd.p), dy.Float64s(), dx.Float64s())
	default:
		return nil, errors.Errorf("dropout gradient: unsupported dtype %v", dy.Dtype())
	}
	return dx, nil
}
