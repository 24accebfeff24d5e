package graph

import (
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// SoftmaxCrossEntropy adds the mean over the batch of
// −Σ_k t_k·log softmax(z)_k for logits z and targets t of shape (N, K)
// (one-hot rows for class labels), PyTorch's nn.CrossEntropyLoss. It is one
// op computed through the log-sum-exp with the row maximum subtracted, so
// large logits neither overflow nor produce NaN, and its derivative is
// (softmax(z) − t)/N.
func SoftmaxCrossEntropy(b *Builder, logits, targets *G.Node) *G.Node {
	if !b.ok(logits, targets) || !b.expectDims("softmax cross-entropy", logits, 2) {
		return nil
	}
	if !logits.Shape().Eq(targets.Shape()) {
		b.Failf("softmax cross-entropy: logits %v and targets %v differ in shape", shapeString(logits.Shape()), shapeString(targets.Shape()))
		return nil
	}
	y, err := G.ApplyOp(&softmaxCEOp{}, logits, targets)
	b.fail(err, "softmax cross-entropy")
	return y
}

type softmaxCEOp struct{ opBase }

func (op *softmaxCEOp) Arity() int { return 2 }
func (op *softmaxCEOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(t, t, a)
}
func (op *softmaxCEOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}
func (op *softmaxCEOp) WriteHash(h hash.Hash) { writeHash(h, "softmax-cross-entropy") }
func (op *softmaxCEOp) Hashcode() uint32      { return hashOf(op.WriteHash) }
func (op *softmaxCEOp) String() string        { return "SoftmaxCrossEntropy" }

func (op *softmaxCEOp) Do(values ...G.Value) (G.Value, error) {
	z, t, err := logitsAndTargets(values)
	if err != nil {
		return nil, err
	}
	n, k := z.Shape()[0], z.Shape()[1]
	switch z.Dtype() {
	case tensor.Float32:
		return G.NewF32(float32(crossEntropy(z.Float32s(), t.Float32s(), n, k))), nil
	case tensor.Float64:
		return G.NewF64(crossEntropy(z.Float64s(), t.Float64s(), n, k)), nil
	}
	return nil, errors.Errorf("softmax cross-entropy: unsupported dtype %v", z.Dtype())
}

func logitsAndTargets(values []G.Value) (z, t *tensor.Dense, err error) {
	if len(values) < 2 {
		return nil, nil, errors.Errorf("softmax cross-entropy: %d inputs, want 2", len(values))
	}
	if z, err = dense(values[0], "softmax cross-entropy logits"); err != nil {
		return nil, nil, err
	}
	if t, err = dense(values[1], "softmax cross-entropy targets"); err != nil {
		return nil, nil, err
	}
	return z, t, nil
}

// logSumExp of one row, shifted by its maximum for stability.
func logSumExp[T float](row []T) float64 {
	mx := math.Inf(-1)
	for _, v := range row {
		mx = math.Max(mx, float64(v))
	}
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v) - mx)
	}
	return mx + math.Log(s)
}

func crossEntropy[T float](z, t []T, n, k int) float64 {
	var total float64
	for i := 0; i < n; i++ {
		row, target := z[i*k:(i+1)*k], t[i*k:(i+1)*k]
		lse := logSumExp(row)
		for j, tj := range target {
			if tj != 0 {
				total -= float64(tj) * (float64(row[j]) - lse)
			}
		}
	}
	return total / float64(n)
}

func (op *softmaxCEOp) DiffWRT(int) []bool { return []bool{true, false} }

func (op *softmaxCEOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dz, err := G.ApplyOp(&softmaxCEGradOp{}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dz, nil}, nil
}

// softmaxCEGradOp is g·(softmax(z) − t)/N, for the upstream scalar g.
type softmaxCEGradOp struct{ opBase }

func (op *softmaxCEGradOp) Arity() int { return 3 }
func (op *softmaxCEGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(t, t, a, t)
}
func (op *softmaxCEGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("softmax cross-entropy gradient: shape is %T", in[0])
	}
	return s.Clone(), nil
}
func (op *softmaxCEGradOp) WriteHash(h hash.Hash) { writeHash(h, "softmax-cross-entropy-grad") }
func (op *softmaxCEGradOp) Hashcode() uint32      { return hashOf(op.WriteHash) }
func (op *softmaxCEGradOp) String() string        { return "SoftmaxCrossEntropyGrad" }

func (op *softmaxCEGradOp) Do(values ...G.Value) (G.Value, error) {
	z, t, err := logitsAndTargets(values)
	if err != nil {
		return nil, err
	}
	if len(values) != 3 {
		return nil, errors.Errorf("softmax cross-entropy gradient: %d inputs, want 3", len(values))
	}
	g, err := scalar(values[2])
	if err != nil {
		return nil, err
	}
	n, k := z.Shape()[0], z.Shape()[1]
	out := newLike(z, n, k)
	switch z.Dtype() {
	case tensor.Float32:
		crossEntropyGrad(z.Float32s(), t.Float32s(), out.Float32s(), n, k, g)
	case tensor.Float64:
		crossEntropyGrad(z.Float64s(), t.Float64s(), out.Float64s(), n, k, g)
	default:
		return nil, errors.Errorf("softmax cross-entropy gradient: unsupported dtype %v", z.Dtype())
	}
	return out, nil
}

func crossEntropyGrad[T float](z, t, out []T, n, k int, g float64) {
	scale := g / float64(n)
	for i := 0; i < n; i++ {
		row := z[i*k : (i+1)*k]
		lse := logSumExp(row)
		for j, v := range row {
			out[i*k+j] = T(scale * (math.Exp(float64(v)-lse) - float64(t[i*k+j])))
		}
	}
}

// scalar reads a Gorgonia scalar value (or a one-element tensor).
func scalar(v G.Value) (float64, error) {
	switch s := v.(type) {
	case *G.F32:
		return float64(*s), nil
	case *G.F64:
		return float64(*s), nil
	case *tensor.Dense:
		if s.Shape().TotalSize() == 1 {
			switch d := s.Data().(type) {
			case []float32:
				return float64(d[0]), nil
			case []float64:
				return d[0], nil
			case float32:
				return float64(d), nil
			case float64:
				return d, nil
			}
		}
	}
	return 0, errors.Errorf("expected a scalar, got %T", v)
}
