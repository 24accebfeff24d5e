package perceptron_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/gorgonia-zoo/zoo/perceptron"
)

// The shapes of the weight matrices follow s_{j+1} × (s_j + 1).
func ExampleWeightShape() {
	for _, s := range [][2]int{{3, 3}, {3, 1}, {5, 3}} {
		r, c := perceptron.WeightShape(s[0], s[1])
		fmt.Printf("%d units into %d: %dx%d\n", s[0], s[1], r, c)
	}
	n, _ := perceptron.New([]int{3, 3, 1}, perceptron.Sigmoid, 0)
	fmt.Println(n)
	// Output:
	// 3 units into 3: 3x4
	// 3 units into 1: 1x4
	// 5 units into 3: 3x6
	// 3-3-1 sigmoid: W(1) 3x4, W(2) 1x4
}

// A logistic unit with hand-picked weights computes AND: h(x) = g(-30 + 20
// x1 + 20 x2).
func ExampleUnit_H() {
	u := &perceptron.Unit{W: []float64{-30, 20, 20}}
	for _, x := range [][]float64{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
		h, _ := u.H(x)
		fmt.Printf("%v -> %.4f\n", x, h)
	}
	// Output:
	// [0 0] -> 0.0000
	// [0 1] -> 0.0000
	// [1 0] -> 0.0000
	// [1 1] -> 1.0000
}

// Gradient descent teaches a unit OR.
func ExampleUnit_Train() {
	X := mat.NewDense(4, 2, []float64{0, 0, 0, 1, 1, 0, 1, 1})
	Y := mat.NewDense(4, 1, []float64{0, 1, 1, 1})
	u, _ := perceptron.NewUnit(2)
	costs, _ := u.Train(X, Y, perceptron.TrainConfig{Epochs: 2000, LR: 2})
	fmt.Printf("J: %.4f -> %.4f\n", costs[0], costs[len(costs)-1])
	for i := 0; i < 4; i++ {
		h, _ := u.H(X.RawRowView(i))
		fmt.Printf("%v -> %.0f\n", X.RawRowView(i), h)
	}
	// Output:
	// J: 0.6931 -> 0.0023
	// [0 0] -> 0
	// [0 1] -> 1
	// [1 0] -> 1
	// [1 1] -> 1
}

// The per-sample loop and the vectorised form of backpropagation give the
// same gradient, and central differences agree with both.
func ExampleNetwork_Backprop() {
	n, _ := perceptron.New([]int{3, 3, 1}, perceptron.Tanh, 1)
	X := mat.NewDense(4, 3, []float64{
		0.1, 0.5, -0.3,
		-0.7, 0.2, 0.9,
		0.4, -0.4, 0.0,
		1.0, 0.3, -0.5,
	})
	Y := mat.NewDense(4, 1, []float64{1, 0, 1, 0})
	loop, _ := n.BackpropLoop(X, Y, 0)
	batch, _ := n.Backprop(X, Y, 0)
	num, _ := n.NumericalGradient(X, Y, 0, 1e-5)
	fmt.Printf("D(2) loop:      %.6f\n", mat.Row(nil, 0, loop[1]))
	fmt.Printf("D(2) batch:     %.6f\n", mat.Row(nil, 0, batch[1]))
	fmt.Printf("D(2) numerical: %.6f\n", mat.Row(nil, 0, num[1]))
	// Output:
	// D(2) loop:      [0.105943 0.062291 0.064689 -0.016582]
	// D(2) batch:     [0.105943 0.062291 0.064689 -0.016582]
	// D(2) numerical: [0.105943 0.062291 0.064689 -0.016582]
}

// A 2-2-1 network learns XOR, which no single unit can.
func ExampleNetwork_Train() {
	X := mat.NewDense(4, 2, []float64{0, 0, 0, 1, 1, 0, 1, 1})
	Y := mat.NewDense(4, 1, []float64{0, 1, 1, 0})
	n, _ := perceptron.New([]int{2, 2, 1}, perceptron.Sigmoid, 3)
	costs, _ := n.Train(X, Y, perceptron.TrainConfig{Epochs: 5000, LR: 2})
	acc, _ := n.Accuracy(X, Y)
	fmt.Printf("J: %.3f -> %.3f, accuracy %.2f\n", costs[0], costs[len(costs)-1], acc)
	// Output:
	// J: 0.705 -> 0.002, accuracy 1.00
}
