package perceptron

import (
	"github.com/pkg/errors"
	"gonum.org/v1/gonum/mat"
)

// Unit is the logistic unit: h(x) = g(w·x) with g the sigmoid and x0 = 1
// the bias input, so that W[0] is the bias weight and W[1:] weigh the n
// inputs. It is the network with no hidden layer, n-1.
type Unit struct {
	// W are the n+1 weights, the bias weight first.
	W []float64
}

// NewUnit is a unit of n inputs with every weight at zero (h = 0.5 for
// every x).
func NewUnit(n int) (*Unit, error) {
	if n < 1 {
		return nil, errors.Errorf("perceptron: a unit needs at least one input, got %d", n)
	}
	return &Unit{W: make([]float64, n+1)}, nil
}

// Z is w·x with x0 = 1: W[0] + Σ W[i] x[i-1].
func (u *Unit) Z(x []float64) (float64, error) {
	if len(x)+1 != len(u.W) {
		return 0, errors.Errorf("perceptron: x has %d values, the unit %d inputs", len(x), len(u.W)-1)
	}
	z := u.W[0]
	for i, v := range x {
		z += u.W[i+1] * v
	}
	return z, nil
}

// H is the unit's output h(x) = sigmoid(w·x).
func (u *Unit) H(x []float64) (float64, error) {
	z, err := u.Z(x)
	if err != nil {
		return 0, err
	}
	return sigmoid(z), nil
}

// Network is the unit as a Network of sizes n and 1, whose W(1) (1 × (n+1))
// shares u.W: training the network trains the unit.
func (u *Unit) Network() *Network {
	return &Network{Sizes: []int{len(u.W) - 1, 1}, Hidden: Sigmoid, W: []*mat.Dense{mat.NewDense(1, len(u.W), u.W)}}
}

// Train is gradient descent on the cross-entropy cost of the unit, for
// samples in the rows of X (m × n) and targets in Y (m × 1); see
// Network.Train.
func (u *Unit) Train(X, Y mat.Matrix, cfg TrainConfig) ([]float64, error) {
	if len(u.W) < 2 {
		return nil, errors.New("perceptron: the unit has no inputs")
	}
	return u.Network().Train(X, Y, cfg)
}
