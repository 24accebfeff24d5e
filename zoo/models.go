package zoo

import (
	"slices"

	G "gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/zoo/graph"
)

// The course's seven models, then the zoo's beyond the course (a file
// each: lenet5.go, resnet20.go), in this order. Parameter names follow the
// attribute names of the PyTorch classes (nn.Sequential members are
// numbered, as in their state_dict), and the layers are PyTorch's defaults
// unless stated. The course's recipe is the course's protocol (the zero
// Recipe).
func init() {
	for _, a := range slices.Concat(courseArchitectures, []Architecture{lenet5, resnet20}) {
		if err := Register(a); err != nil {
			panic(err) // the built-in table is wrong: a programming error
		}
	}
}

// CourseModels names the course's seven models, in the course's order: the
// MLPs model1 to model4 and the convnets cnn1 to cnn3.
func CourseModels() []string {
	names := make([]string, len(courseArchitectures))
	for i, a := range courseArchitectures {
		names[i] = a.Name
	}
	return names
}

var courseArchitectures = []Architecture{
	// Costs: epoch times of the default build relative to model1's
	// (bench/results.md).
	{Name: "model1", Class: "Model1", Description: "MLP: Linear(in,100), ReLU, Linear(100,classes)", Build: buildModel1},
	{Name: "model2", Class: "Model2", Description: "MLP: Linear(in,100), tanh, Linear(100,classes)", Build: buildModel2},
	{Name: "model3", Class: "Model3", Description: "MLP: Linear(in,100), sigmoid, Linear(100,classes)", Build: buildModel3},
	{Name: "model4", Class: "Model4", Description: "MLP: Linear(in,100), ReLU, Linear(100,50), ReLU, Linear(50,classes)", Build: buildModel4, Cost: 1.1},
	{Name: "cnn1", Class: "CNNModel1", Aliases: []string{"cnn_model1"}, Description: "Conv2d(C,32,5,pad 2), ReLU, MaxPool 2, Linear", Build: buildCNN1, Cost: 7},
	{Name: "cnn2", Class: "CNNModel2", Aliases: []string{"cnn_model2"}, Description: "Conv2d(C,16,5,pad 2), ReLU, MaxPool 2, Conv2d(16,32,5,pad 2), ReLU, MaxPool 2, Linear", Build: buildCNN2, Cost: 14},
	{Name: "cnn3", Class: "CNNModel3", Aliases: []string{"cnn_model3"}, Description: "cnn2 with BatchNorm2d after each Conv2d", Build: buildCNN3, Cost: 17},
}

// twoLayer is Model1-3: lin1 (100 units), an activation, lin2.
func twoLayer(b *graph.Builder, x *G.Node, classes int, activation func(*graph.Builder, *G.Node) *G.Node) *G.Node {
	h := graph.Linear(b, "lin1", graph.Flatten(b, x), 100)
	return graph.Linear(b, "lin2", activation(b, h), classes)
}

func buildModel1(b *graph.Builder, x *G.Node, classes int) *G.Node {
	return twoLayer(b, x, classes, graph.ReLU)
}

func buildModel2(b *graph.Builder, x *G.Node, classes int) *G.Node {
	return twoLayer(b, x, classes, graph.Tanh)
}

func buildModel3(b *graph.Builder, x *G.Node, classes int) *G.Node {
	return twoLayer(b, x, classes, graph.Sigmoid)
}

// buildModel4 is layer1 = (Linear 100, ReLU), layer2 = (Linear 50, ReLU, Linear).
func buildModel4(b *graph.Builder, x *G.Node, classes int) *G.Node {
	h := graph.ReLU(b, graph.Linear(b, "layer1.0", graph.Flatten(b, x), 100))
	h = graph.ReLU(b, graph.Linear(b, "layer2.0", h, 50))
	return graph.Linear(b, "layer2.2", h, classes)
}

// buildCNN1 is cnn1 = Conv2d(C, 32, 5, padding 2), ReLU, MaxPool2d(2), fc1.
func buildCNN1(b *graph.Builder, x *G.Node, classes int) *G.Node {
	h := reluPool(b, graph.Conv2d(b, "cnn1", x, 32, 5, 2))
	return graph.Linear(b, "fc1", graph.Flatten(b, h), classes)
}

// convBlock is one of CNNModel2's Sequential layers: Conv2d(5, padding 2),
// optionally BatchNorm2d, ReLU, MaxPool2d(2).
func convBlock(b *graph.Builder, name string, x *G.Node, out int, batchNorm bool) *G.Node {
	h := graph.Conv2d(b, name+".0", x, out, 5, 2)
	if batchNorm {
		h = graph.BatchNorm2d(b, name+".1", h)
	}
	return reluPool(b, h)
}

// reluPool is the course's ReLU followed by MaxPool2d(2), computed as the
// pool followed by the ReLU: max and ReLU commute (ReLU is monotonic), values
// and gradients are the same (ties go to the first maximum either way), and
// the ReLU then runs on a quarter of the values, fused into the pooling op.
func reluPool(b *graph.Builder, x *G.Node) *G.Node {
	return graph.MaxPool2dReLU(b, x, 2)
}

func buildCNN2(b *graph.Builder, x *G.Node, classes int) *G.Node {
	h := convBlock(b, "layer2", convBlock(b, "layer1", x, 16, false), 32, false)
	return graph.Linear(b, "lin1", graph.Flatten(b, h), classes)
}

func buildCNN3(b *graph.Builder, x *G.Node, classes int) *G.Node {
	h := convBlock(b, "layer2", convBlock(b, "layer1", x, 16, true), 32, true)
	return graph.Linear(b, "lin1", graph.Flatten(b, h), classes)
}
