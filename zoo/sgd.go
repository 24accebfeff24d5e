package zoo

import (
	"github.com/pkg/errors"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// sgd is plain SGD, w ← w − lr·g, as one pass over each parameter: the
// course's optimiser (no momentum, no weight decay). Gorgonia's
// VanillaSolver gives the same values to the last bit (it adds −lr·g) but
// takes three passes (scale, add, zero) over gradients that the VM has
// already added into dual values, a fourth; on an MLP step those passes cost
// about a tenth of the time. Here the gradients are the values of the nodes
// gorgonia.Grad returned, overwritten by every run, so nothing needs zeroing.
type sgd struct{ lr float64 }

// Step applies one update to every parameter from its gradient.
func (s *sgd) Step(params []G.ValueGrad) error {
	for _, p := range params {
		w, ok := p.Value().(*tensor.Dense)
		if !ok {
			return errors.Errorf("sgd: parameter is %T, not a dense tensor", p.Value())
		}
		gv, err := p.Grad()
		if err != nil {
			return errors.Wrap(err, "sgd")
		}
		g, ok := gv.(*tensor.Dense)
		if !ok || g.Dtype() != w.Dtype() || !g.Shape().Eq(w.Shape()) {
			return errors.Errorf("sgd: gradient %v does not match parameter %v %v", gv, w.Shape(), w.Dtype())
		}
		// gonum's unit-stride axpy is SIMD assembly on amd64 (a multiply,
		// then an add: the rounding of w[i] += −lr·g[i]), a third of the
		// scalar loop's time on an MLP's 80 000 weights.
		switch w.Dtype() {
		case tensor.Float32:
			gonum.Implementation{}.Saxpy(w.Shape().TotalSize(), -float32(s.lr), g.Float32s(), 1, w.Float32s(), 1)
		case tensor.Float64:
			gonum.Implementation{}.Daxpy(w.Shape().TotalSize(), -s.lr, g.Float64s(), 1, w.Float64s(), 1)
		default:
			return errors.Errorf("sgd: unsupported dtype %v", w.Dtype())
		}
	}
	return nil
}

// paramGrad pairs a learnable node with the node of its gradient, as
// G.ValueGrad: the gradient is read from the gradient node's value after a
// run rather than from a dual value.
type paramGrad struct{ param, grad *G.Node }

func (p paramGrad) Value() G.Value { return p.param.Value() }

func (p paramGrad) Grad() (G.Value, error) {
	if v := p.grad.Value(); v != nil {
		return v, nil
	}
	return nil, errors.Errorf("no gradient computed for %s", p.param.Name())
}
