package perceptron

import "math"

// Activation is a function g applied unit by unit, with its derivative g'.
type Activation struct {
	// Name is how the activation is printed: "sigmoid", "tanh" or "relu".
	Name string
	// G is the activation g(z).
	G func(z float64) float64
	// Prime is its derivative g'(z).
	Prime func(z float64) float64
}

// String is the activation's name.
func (a Activation) String() string { return a.Name }

// The hidden-layer activations of the course's models. The output layer of
// a Network is always Sigmoid.
var (
	// Sigmoid is g(z) = 1/(1+e^-z), with g'(z) = g(z)(1-g(z)).
	Sigmoid = Activation{Name: "sigmoid", G: sigmoid, Prime: func(z float64) float64 {
		s := sigmoid(z)
		return s * (1 - s)
	}}
	// Tanh is g(z) = tanh(z), with g'(z) = 1 - tanh²(z).
	Tanh = Activation{Name: "tanh", G: math.Tanh, Prime: func(z float64) float64 {
		t := math.Tanh(z)
		return 1 - t*t
	}}
	// ReLU is g(z) = max(z, 0), with g'(z) = 1 for z > 0 and 0 otherwise
	// (0 at the kink, as Gorgonia and PyTorch take it).
	ReLU = Activation{Name: "relu", G: func(z float64) float64 { return math.Max(z, 0) }, Prime: func(z float64) float64 {
		if z > 0 {
			return 1
		}
		return 0
	}}
)

// Activations lists Sigmoid, Tanh and ReLU.
func Activations() []Activation { return []Activation{Sigmoid, Tanh, ReLU} }

// sigmoid is 1/(1+e^-z), written so that neither branch overflows.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// softplus is log(1+e^z) without overflow: -log h = softplus(-z) and
// -log(1-h) = softplus(z) for h = sigmoid(z).
func softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}
