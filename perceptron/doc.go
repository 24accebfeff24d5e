// Package perceptron is the first part of the course written as plain Go:
// the logistic unit, fully connected networks in the course's notation, the
// multi-output cross-entropy cost and backpropagation, in float64 and with
// no automatic differentiation, so that every step of the algorithm can be
// read, printed and checked.
//
// # Notation
//
// A network has L layers with s_1, ..., s_L units (Network.Sizes). The
// activation of layer 1 is the input, a(1) = x. Every layer but the last
// gets a bias unit a_0 = 1 (the course's x0 = 1), and the weight matrix W(j)
// maps layer j to layer j+1:
//
//	z(j+1) = W(j) · [1; a(j)]        W(j) is s_{j+1} × (s_j + 1)
//	a(j+1) = g(z(j+1))
//
// Column 0 of W(j) holds the bias weights. In Go, W(j) is Network.W[j-1].
// For the course's 3-3-1 example W(1) is 3×4 and W(2) is 1×4 (the course
// prints 1×3, which contradicts its own rule); five inputs into three units
// give a 3×6 W(1). See WeightShape.
//
// The hidden layers use one activation (Sigmoid, Tanh or ReLU); the output
// layer is always the sigmoid, so that h(x) = a(L) is a vector of
// probabilities, one per output unit.
//
// # Cost
//
// For m samples and K output units,
//
//	J = -1/m Σ_i Σ_k [ y_k log h_k + (1 - y_k) log(1 - h_k) ] + λ/(2m) Σ_l Σ_{r, c≥1} W(l)_rc²
//
// where the regularisation term, if λ > 0, leaves out the bias column.
//
// # Backpropagation
//
// For one sample, after a forward pass that keeps every z(l) and a(l):
//
//	δ(L) = a(L) - y
//	δ(l) = (W(l)ᵀ δ(l+1))[1:] .* g'(z(l))          for l = L-1, ..., 2
//	Δ(l) += δ(l+1) · [1; a(l)]ᵀ                       for l = L-1, ..., 1
//
// The first row of W(l)ᵀ δ(l+1) belongs to the bias unit, which has no
// input, and is dropped. After all m samples, D(l) = Δ(l)/m (+ λ/m · W(l)
// outside the bias column) is ∂J/∂W(l).
//
// Network.BackpropLoop is that loop, sample by sample, as the course tells
// it; Network.Backprop is the same computation on the whole batch at once,
// with the samples as the rows of matrices (gonum's mat). The tests show that
// both agree to 1e-12, that they match central finite differences
// (Network.NumericalGradient) and Gorgonia's symbolic gradient of the same
// cost.
//
// # Training
//
// Network.Train is batch gradient descent, W(l) ← W(l) - α·D(l). A Unit (a
// single logistic unit) learns AND and OR, but not XOR, which is not linearly
// separable; a 2-2-1 network learns XOR.
package perceptron
