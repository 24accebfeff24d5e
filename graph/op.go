package graph

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/pkg/errors"
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
