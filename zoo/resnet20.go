package zoo

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/zoo/graph"
)

// ResNet-20, the CIFAR ResNet of He, Zhang, Ren and Sun 2015 (§4.2, n = 3),
// with torchvision's BasicBlock and projection shortcuts (option B) where
// the shape changes. PyTorch's class is ResNet20 in bench/zoo_models.py; on
// MNIST it has 272,186 parameters, and it takes 3×32×32 images (CIFAR-10)
// as well.
var resnet20 = Architecture{
	Name: "resnet20", Class: "ResNet20",
	Description: "ResNet-20: Conv2d(C,16,3) BN ReLU, 3×3 BasicBlocks of 16, 32, 64 channels (stride 2 and 1×1 projection at 32 and 64), global average pool, Linear",
	Build:       buildResNet20, Cost: 150, // estimated: multiply-adds against cnn2's
	// He et al.'s optimizer (Nesterov momentum 0.9, weight decay 5e-4,
	// peak rate 0.1) on a short cosine schedule after a warm-up epoch.
	Recipe: Config{
		Epochs: 6, LR: 0.1, BatchSize: 100,
		Optimizer: OptimizerMomentum, OptimizerSettings: Settings{"momentum": 0.9, "nesterov": 1}, WeightDecay: 5e-4,
		Schedule: ScheduleCosine, WarmupEpochs: 1,
	},
}

// buildResNet20 is the stem (conv1, bn1, ReLU), layer1 to layer3 of three
// BasicBlocks each, global average pooling and fc.
func buildResNet20(b *graph.Builder, x *G.Node, classes int) *G.Node {
	h := graph.ReLU(b, graph.BatchNorm2d(b, "bn1", graph.Conv2d(b, "conv1", x, 16, 3, 1, graph.NoBias())))
	for layer, width := range []int{16, 32, 64} {
		for block := range 3 {
			stride := 1
			if layer > 0 && block == 0 {
				stride = 2
			}
			h = basicBlock(b, fmt.Sprintf("layer%d.%d", layer+1, block), h, width, stride)
		}
	}
	h = graph.Flatten(b, graph.GlobalAvgPool2d(b, h))
	return graph.Linear(b, "fc", h, classes)
}

// basicBlock is torchvision's BasicBlock: conv1 (3×3, stride), bn1, ReLU,
// conv2 (3×3), bn2, plus the shortcut — x itself, or downsample (a 1×1
// convolution of that stride and a BatchNorm2d) where the shape changes —
// then ReLU.
func basicBlock(b *graph.Builder, name string, x *G.Node, out, stride int) *G.Node {
	if b.Err() != nil {
		return nil
	}
	h := graph.Conv2d(b, name+".conv1", x, out, 3, 1, graph.Stride(stride), graph.NoBias())
	h = graph.ReLU(b, graph.BatchNorm2d(b, name+".bn1", h))
	h = graph.BatchNorm2d(b, name+".bn2", graph.Conv2d(b, name+".conv2", h, out, 3, 1, graph.NoBias()))
	shortcut := x
	if stride != 1 || x.Shape()[1] != out {
		shortcut = graph.Conv2d(b, name+".downsample.0", x, out, 1, 0, graph.Stride(stride), graph.NoBias())
		shortcut = graph.BatchNorm2d(b, name+".downsample.1", shortcut)
	}
	return graph.ReLU(b, graph.Add(b, h, shortcut))
}
