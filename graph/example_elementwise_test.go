package graph_test

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/zoo/graph"
)

// A block of one's own: Swish, x·σ(x), as an Activation, its gradient
// checked against finite differences before it goes into a model.
func ExampleElementwise() {
	swish := graph.Activation{
		Name: "Swish",
		F:    func(x float64) float64 { return x / (1 + math.Exp(-x)) },
		DF: func(x, y float64) float64 {
			s := 1 / (1 + math.Exp(-x))
			return s + y*(1-s) // σ(x) + x·σ(x)(1 − σ(x))
		},
	}
	block := func(b *graph.Builder, x *G.Node) *G.Node {
		h := graph.Linear(b, "lin1", x, 8)
		return graph.Elementwise(b, swish, h)
	}
	if err := graph.CheckGradient(block, []int{4, 5}, 1, 1e-5); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("Swish: the gradient matches finite differences")

	// A wrong derivative is caught, naming the element.
	swish.DF = func(x, y float64) float64 { return 1 / (1 + math.Exp(-x)) }
	err := graph.CheckGradient(block, []int{4, 5}, 1, 1e-5)
	fmt.Println(err != nil)
	// Output:
	// Swish: the gradient matches finite differences
	// true
}
