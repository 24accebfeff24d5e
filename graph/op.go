package graph

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// float is the element type of the zoo's custom ops: float32 for training,
// float64 for gradient checks.
type float interface{ ~float32 | ~float64 }

// hashOf gives an op's Hashcode from its WriteHash.
func hashOf(w func(h hash.Hash)) uint32 {
	h := fnv.New32a()
	w(h)
	return h.Sum32()
}

func writeHash(h hash.Hash, format string, args ...any) { fmt.Fprintf(h, format, args...) }

// dense returns the *tensor.Dense behind a Gorgonia value.
func dense(v any, what string) (*tensor.Dense, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("%s: expected a dense tensor, got %T", what, v)
	}
	return d, nil
}

// newLike allocates a zeroed tensor of the given shape and the dtype of t.
func newLike(t *tensor.Dense, shape ...int) *tensor.Dense {
	return tensor.New(tensor.Of(t.Dtype()), tensor.WithShape(shape...))
}

// oneGradient is the SymDiff of an op of one input: the gradient op
// applied to the nodes it reads.
func oneGradient(gradOp G.Op, inputs ...*G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(gradOp, inputs...)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// affineGrads is the SymDiff of the layers y = f(x, W, b) (Linear, Conv2d)
// and y = f(x, W) (Conv2d without bias): one gradient op per input, each
// applied to (x, W, dy), made by gradOp for wrt 0 (x), 1 (W) and 2 (b);
// none for x when it is data.
func affineGrads(inputs G.Nodes, grad *G.Node, dataInput bool, gradOp func(wrt int) G.Op) (G.Nodes, error) {
	x, w := inputs[0], inputs[1]
	grads := make(G.Nodes, len(inputs))
	for wrt := range grads {
		if wrt == 0 && dataInput {
			continue
		}
		d, err := G.ApplyOp(gradOp(wrt), x, w, grad)
		if err != nil {
			return nil, err
		}
		grads[wrt] = d
	}
	return grads, nil
}

// affineGradShape is the InferShape of the gradient ops of those layers: the
// shape of input wrt of (x, W, dy), or the bias's for wrt 2.
func affineGradShape(what string, wrt int, in []G.DimSizer, bias tensor.Shape) (tensor.Shape, error) {
	if wrt == 2 {
		return bias.Clone(), nil
	}
	s, ok := in[wrt].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("%s gradient: shape is %T", what, in[wrt])
	}
	return s.Clone(), nil
}

// affineGradOutShape is the shape of the result of a gradient op of those
// layers on values x and w: x's, W's or the bias's.
func affineGradOutShape(wrt int, x, w *tensor.Dense, bias tensor.Shape) tensor.Shape {
	switch wrt {
	case 0:
		return x.Shape()
	case 1:
		return w.Shape()
	}
	return bias
}
