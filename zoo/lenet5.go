package zoo

import (
	G "gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/zoo/graph"
)

// LeNet-5 (LeCun, Bottou, Bengio and Haffner 1998) as modern
// re-implementations write it: tanh, average pooling, and the paper's
// partial connections of C3 replaced by full ones. PyTorch's class is
// LeNet5 in bench/zoo_models.py; on MNIST it has 61,706 parameters.
var lenet5 = Architecture{
	Name: "lenet5", Class: "LeNet5", Aliases: []string{"lenet"},
	Description: "LeNet-5: Conv2d(C,6,5,pad 2), tanh, AvgPool 2, Conv2d(6,16,5), tanh, AvgPool 2, Linear 120, tanh, Linear 84, tanh, Linear",
	Build:       buildLeNet5, Cost: 4, // estimated: multiply-adds against cnn2's
	// SGD with momentum and weight decay, the rate annealed: at a
	// constant rate it overfits below 99 % (bench/README.md).
	Recipe: Config{
		Epochs: 15, LR: 0.05, BatchSize: 100,
		Optimizer: OptimizerMomentum, OptimizerSettings: Settings{"momentum": 0.9}, WeightDecay: 5e-4,
		Schedule: ScheduleCosine,
	},
}

// buildLeNet5 is conv1, conv2 (each tanh and 2×2 average pooling), then
// fc1 (16·5·5 = 400 inputs on 28×28 images, 16·6·6 on 32×32), fc2, fc3.
func buildLeNet5(b *graph.Builder, x *G.Node, classes int) *G.Node {
	h := graph.AvgPool2d(b, graph.Tanh(b, graph.Conv2d(b, "conv1", x, 6, 5, 2)), 2)
	h = graph.AvgPool2d(b, graph.Tanh(b, graph.Conv2d(b, "conv2", h, 16, 5, 0)), 2)
	h = graph.Tanh(b, graph.Linear(b, "fc1", graph.Flatten(b, h), 120))
	h = graph.Tanh(b, graph.Linear(b, "fc2", h, 84))
	return graph.Linear(b, "fc3", h, classes)
}
