package graph_test

import (
	"fmt"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/graph"
)

// A residual block with a projection shortcut, torchvision's BasicBlock:
// the blocks form a DAG, which Blocks lists in a topological order, each
// with its inputs.
func ExampleAdd() {
	b := graph.NewBuilder(graph.NewStore(tensor.Float32, 0), graph.Inference)
	x := b.Input("x", 1, 16, 8, 8)
	h := graph.Conv2d(b, "conv1", x, 32, 3, 1, graph.Stride(2), graph.NoBias())
	h = graph.ReLU(b, graph.BatchNorm2d(b, "bn1", h))
	h = graph.BatchNorm2d(b, "bn2", graph.Conv2d(b, "conv2", h, 32, 3, 1, graph.NoBias()))
	shortcut := graph.Conv2d(b, "downsample.0", x, 32, 1, 0, graph.Stride(2), graph.NoBias())
	shortcut = graph.BatchNorm2d(b, "downsample.1", shortcut)
	y := graph.ReLU(b, graph.Add(b, h, shortcut))
	if err := b.Err(); err != nil {
		fmt.Println(err)
		return
	}
	name := map[*G.Node]string{x: "x"}
	for _, blk := range b.Blocks() {
		var in []string
		for _, n := range blk.Inputs {
			in = append(in, name[n])
		}
		name[blk.Output] = blk.Name
		fmt.Printf("%-11s %-16s <- %s\n", blk.Kind, blk.Name, strings.Join(in, ", "))
	}
	fmt.Println(y.Shape())
	// Output:
	// Conv2d      conv1            <- x
	// BatchNorm2d bn1              <- conv1
	// ReLU        bn1/relu         <- bn1
	// Conv2d      conv2            <- bn1/relu
	// BatchNorm2d bn2              <- conv2
	// Conv2d      downsample.0     <- x
	// BatchNorm2d downsample.1     <- downsample.0
	// Add         bn2/add          <- bn2, downsample.1
	// ReLU        bn2/add/relu     <- bn2/add
	// (1, 32, 4, 4)
}

// Conv2d's options: a stride and no bias, PyTorch's
// Conv2d(3, 8, 3, stride=2, padding=1, bias=False).
func ExampleConv2d() {
	b := graph.NewBuilder(graph.NewStore(tensor.Float32, 0), graph.Inference)
	x := b.Input("x", 2, 3, 32, 32)
	y := graph.Conv2d(b, "conv", x, 8, 3, 1, graph.Stride(2), graph.NoBias())
	if err := b.Err(); err != nil {
		fmt.Println(err)
		return
	}
	blk, _ := b.Block(y)
	fmt.Println(y.Shape(), blk.Stride, len(blk.Params), blk.Params[0].Name)
	// Output:
	// (2, 8, 16, 16) 2 1 conv.weight
}
