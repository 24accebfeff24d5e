package perceptron

import (
	"fmt"
	"testing"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"gonum.org/v1/gonum/mat"
)

// denseOf copies a gonum matrix into a Gorgonia tensor.
func denseOf(m mat.Matrix) *tensor.Dense {
	r, c := m.Dims()
	return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(mat.DenseCopyOf(m).RawMatrix().Data))
}

// gorgoniaGradient builds the same network and cost from Gorgonia ops in
// float64 — [1 | A] by concatenation, Z = [1 | A] W(l)ᵀ, the activations,
// J = -1/m Σ [Y log H + (1-Y) log(1-H)] + λ/(2m) Σ W(l)[:, 1:]² — and
// returns J and gorgonia.Grad's ∂J/∂W(l), computed by Gorgonia's symbolic
// differentiation rather than by backpropagation written by hand.
func gorgoniaGradient(n *Network, X, Y *mat.Dense, lambda float64) (float64, []*mat.Dense, error) {
	g := G.NewGraph()
	m, _ := X.Dims()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(X.Dims()), G.WithName("X"), G.WithValue(denseOf(X)))
	y := G.NewMatrix(g, tensor.Float64, G.WithShape(Y.Dims()), G.WithName("Y"), G.WithValue(denseOf(Y)))
	ones := G.NewMatrix(g, tensor.Float64, G.WithShape(m, 1), G.WithName("ones"), G.WithInit(G.Ones()))
	one := G.NewConstant(1.0)
	activations := map[string]func(*G.Node) (*G.Node, error){"sigmoid": G.Sigmoid, "tanh": G.Tanh, "relu": G.Rectify}
	hidden, ok := activations[n.Hidden.Name]
	if !ok {
		return 0, nil, errors.Errorf("no Gorgonia op for %s", n.Hidden.Name)
	}

	var ws G.Nodes
	var penalty *G.Node
	a := x
	for l, w := range n.W {
		r, c := w.Dims()
		wn := G.NewMatrix(g, tensor.Float64, G.WithShape(r, c), G.WithName(fmt.Sprintf("W%d", l+1)), G.WithValue(denseOf(w)))
		ws = append(ws, wn)
		ab := G.Must(G.Concat(1, ones, a))
		z := G.Must(G.Mul(ab, G.Must(G.Transpose(wn))))
		if l == len(n.W)-1 {
			a = G.Must(G.Sigmoid(z))
		} else {
			a = G.Must(hidden(z))
		}
		sq := G.Must(G.Sum(G.Must(G.Square(G.Must(G.Slice(wn, nil, G.S(1, c)))))))
		if penalty == nil {
			penalty = sq
		} else {
			penalty = G.Must(G.Add(penalty, sq))
		}
	}
	h := a
	logH := G.Must(G.Log(h))
	log1H := G.Must(G.Log(G.Must(G.Sub(one, h))))
	terms := G.Must(G.Add(G.Must(G.HadamardProd(y, logH)), G.Must(G.HadamardProd(G.Must(G.Sub(one, y)), log1H))))
	cost := G.Must(G.Mul(G.NewConstant(-1/float64(m)), G.Must(G.Sum(terms))))
	cost = G.Must(G.Add(cost, G.Must(G.Mul(G.NewConstant(lambda/(2*float64(m))), penalty))))

	if _, err := G.Grad(cost, ws...); err != nil {
		return 0, nil, errors.Wrap(err, "gorgonia.Grad")
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		return 0, nil, errors.Wrap(err, "running the graph")
	}
	var grads []*mat.Dense
	for l, wn := range ws {
		gv, err := wn.Grad()
		if err != nil {
			return 0, nil, errors.Wrapf(err, "gradient of W(%d)", l+1)
		}
		r, c := n.W[l].Dims()
		grads = append(grads, mat.NewDense(r, c, append([]float64(nil), gv.Data().([]float64)...)))
	}
	return cost.Value().Data().(float64), grads, nil
}

func TestBackpropMatchesGorgoniaGrad(t *testing.T) {
	forEachGradientCase(t, func(t *testing.T, n *Network, X, Y *mat.Dense, lambda float64) {
		j, symbolic, err := gorgoniaGradient(n, X, Y, lambda)
		if err != nil {
			t.Fatalf("%+v", err)
		}
		cost, err := n.Cost(X, Y, lambda)
		if err != nil {
			t.Fatal(err)
		}
		if d := j - cost; d > 1e-12 || d < -1e-12 {
			t.Errorf("J = %.17g, Gorgonia's graph gives %.17g", cost, j)
		}
		for _, form := range []struct {
			name string
			f    func(X, Y mat.Matrix, lambda float64) ([]*mat.Dense, error)
		}{{"loop", n.BackpropLoop}, {"batch", n.Backprop}} {
			grads, err := form.f(X, Y, lambda)
			if err != nil {
				t.Fatal(err)
			}
			d := maxAbsDiff(t, grads, symbolic)
			t.Logf("%s: max |backprop - gorgonia.Grad| = %.3g", form.name, d)
			if d > 1e-9 {
				t.Errorf("%s differs from gorgonia.Grad by %g", form.name, d)
			}
		}
	})
}
