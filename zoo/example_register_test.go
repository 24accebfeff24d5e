package zoo_test

import (
	"context"
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// buildMLP32 is a model of one's own: flatten, 32 hidden ReLU units, one
// output per class. It takes any input shape and class count, as the
// built-in models do.
func buildMLP32(b *graph.Builder, x *G.Node, classes int) *G.Node {
	h := graph.ReLU(b, graph.Linear(b, "hidden", graph.Flatten(b, x), 32))
	return graph.Linear(b, "out", h, classes)
}

// Registering makes the model one of the zoo's: -model mlp32 in a command
// built with it, Lookup, tables, records and safetensors weights.
func init() {
	err := zoo.Register(zoo.Architecture{
		Name:        "mlp32",
		Class:       "MLP32",
		Description: "flatten, 32 ReLU units, linear",
		Build:       buildMLP32,
	})
	if err != nil {
		panic(err)
	}
}

// quadrants is a dataset made in memory: 8×8 grey images whose class (0..3)
// is the quadrant that is bright, with a little deterministic noise.
func quadrants(name string, n int) *loader.Dataset {
	d := &loader.Dataset{
		Name: "quadrants", Part: name, N: n,
		Channels: 1, Height: 8, Width: 8, Classes: 4,
		ClassNames: []string{"top left", "top right", "bottom left", "bottom right"},
		Images:     make([]uint8, n*64),
		Labels:     make([]uint8, n),
	}
	for i := range n {
		class := i % 4
		d.Labels[i] = uint8(class)
		for r := range 8 {
			for c := range 8 {
				p := uint8((i*31 + r*7 + c*13) % 64) // noise
				if r/4 == class/2 && c/4 == class%2 {
					p += 160
				}
				d.Images[i*64+r*8+c] = p
			}
		}
	}
	return d
}

func Example_register() {
	arch, err := zoo.Lookup("MLP32") // the class name is an alias
	if err != nil {
		fmt.Println(err)
		return
	}
	data := &loader.Split{Train: quadrants("train", 64), Test: quadrants("test", 32)}
	cfg := zoo.DefaultConfig()
	cfg.Epochs, cfg.BatchSize, cfg.LR = 10, 8, 0.5
	res, model, err := zoo.Run(context.Background(), arch, data, cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// model.Save("mlp32.safetensors") would write the weights, as for the
	// built-in models.
	fmt.Printf("%s: %d parameters, %d weights tensors\n", res.Model, res.Params, len(model.Store.Params()))
	fmt.Printf("beats chance (25%%): %v\n", res.TestAccuracy > 0.25)
	// Output:
	// mlp32: 2212 parameters, 4 weights tensors
	// beats chance (25%): true
}
