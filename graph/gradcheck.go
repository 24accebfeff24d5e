package graph

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GradientError is one element whose symbolic gradient disagrees with the
// finite difference (see CheckGradient).
type GradientError struct {
	Node               string  // the input "x" or a learnable's name
	Index              int     // the element
	Symbolic, Numeric  float64 // ∂cost/∂element both ways
	RelativeDifference float64 // |s − n| / max(1e-6, |s| + |n|)
}

func (e *GradientError) Error() string {
	return fmt.Sprintf("%s[%d]: symbolic gradient %.10g, finite difference %.10g (relative difference %.2g)",
		e.Node, e.Index, e.Symbolic, e.Numeric, e.RelativeDifference)
}

// CheckGradient checks a block's gradient, the way to test a block one
// writes: it builds block on an input x of the given shape in float64 (a
// Training graph over a fresh Store seeded with seed), draws x and the
// block's learnables at random, and compares, for x and every learnable,
// the gradient gorgonia.Grad computes of cost = Σ y ⊙ R (R a fixed random
// tensor; y itself when it is a scalar) with the central difference
// (cost(v+h) − cost(v−h)) / 2h, h = 1e-6. It returns the first element
// whose relative difference exceeds tol (1e-5 is right for float64) as a
// *GradientError, or an error when the block cannot be built or run.
func CheckGradient(block func(b *Builder, x *G.Node) *G.Node, shape []int, seed uint64, tol float64) error {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	random := func(shape ...int) *tensor.Dense {
		t := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(shape...))
		for i := range t.Float64s() {
			t.Float64s()[i] = 2*r.Float64() - 1
		}
		return t
	}
	b := NewBuilder(NewStore(tensor.Float64, int64(seed)), Training)
	g := b.Graph()
	x := G.NewTensor(g, tensor.Float64, len(shape), G.WithShape(shape...), G.WithName("x"), G.WithValue(random(shape...)))
	y := block(b, x)
	if err := b.Err(); err != nil {
		return errors.Wrap(err, "building the block")
	}
	if y == nil {
		return errors.New("the block returned no node")
	}
	for _, p := range b.Store().Params() {
		if p.Kind == Learnable {
			for i := range p.Value.Float64s() {
				p.Value.Float64s()[i] += 0.5 * (2*r.Float64() - 1)
			}
		}
	}
	cost := y
	if !y.IsScalar() {
		weights := G.NewTensor(g, tensor.Float64, y.Dims(), G.WithShape(y.Shape()...), G.WithName("R"), G.WithValue(random(y.Shape()...)))
		prod, err := G.HadamardProd(y, weights)
		if err == nil {
			cost, err = G.Sum(prod)
		}
		if err != nil {
			return errors.Wrap(err, "the cost")
		}
	}
	wrt := append(G.Nodes{x}, b.Learnables()...)
	if _, err := G.Grad(cost, wrt...); err != nil {
		return errors.Wrap(err, "differentiating")
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
	defer vm.Close()
	run := func() (float64, error) {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			return 0, err
		}
		return scalar(cost.Value())
	}
	if _, err := run(); err != nil {
		return errors.Wrap(err, "running the block")
	}
	// Every gradient is read before the finite differences run the graph
	// again: a VM adds gradients up until a solver zeroes them.
	symbolic := make([][]float64, len(wrt))
	for i, n := range wrt {
		gv, err := n.Grad()
		if err != nil {
			return errors.Wrapf(err, "the gradient of %s", n.Name())
		}
		symbolic[i] = append([]float64(nil), gv.Data().([]float64)...)
	}
	const h = 1e-6
	for k, n := range wrt {
		data := n.Value().Data().([]float64)
		for i := range data {
			orig := data[i]
			data[i] = orig + h
			up, err1 := run()
			data[i] = orig - h
			down, err2 := run()
			data[i] = orig
			if err1 != nil || err2 != nil {
				return errors.Wrap(firstErr(err1, err2), "running the block")
			}
			numeric := (up - down) / (2 * h)
			s := symbolic[k][i]
			if rel := math.Abs(numeric-s) / math.Max(1e-6, math.Abs(numeric)+math.Abs(s)); rel > tol || math.IsNaN(rel) {
				return &GradientError{Node: n.Name(), Index: i, Symbolic: s, Numeric: numeric, RelativeDifference: rel}
			}
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
