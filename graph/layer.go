package graph

import (
	"strings"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// LayerKind names what a block computes.
type LayerKind string

// The kinds of the blocks of this package (the loss is not a layer).
const (
	LinearLayer      LayerKind = "Linear"
	Conv2dLayer      LayerKind = "Conv2d"
	MaxPool2dLayer   LayerKind = "MaxPool2d"
	BatchNorm2dLayer LayerKind = "BatchNorm2d"
	ReLULayer        LayerKind = "ReLU"
	TanhLayer        LayerKind = "Tanh"
	SigmoidLayer     LayerKind = "Sigmoid"
	FlattenLayer     LayerKind = "Flatten"
)

// Layer describes the block that made a node: what it computes, from
// which input, with which parameters. Exporters (package onnx) walk a
// model's graph through it, from the output back to the input.
type Layer struct {
	Kind LayerKind
	// Name is the block's parameter prefix ("lin1", "layer1.0"); empty for
	// blocks without parameters.
	Name string
	// Input is the node the block was applied to.
	Input *G.Node
	// Params are the block's tensors in PyTorch's state_dict order:
	// weight and bias (Linear, Conv2d); weight, bias, running_mean and
	// running_var (BatchNorm2d; num_batches_tracked, which inference does
	// not use, is left out).
	Params []*Param
	// Kernel, Stride and Pad are square: Conv2d's stride is 1, MaxPool2d's
	// stride is its kernel and its padding 0.
	Kernel, Stride, Pad int
	// ReLU is set on a MaxPool2d made by MaxPool2dReLU: a ReLU follows
	// the pooling.
	ReLU bool
	// Epsilon is BatchNorm2d's ε.
	Epsilon float64
}

// Layer describes the block that made n. It fails for a node no block of
// this package made (an input, a parameter, or a node made with Gorgonia's
// own operations), naming the node and its op.
func (b *Builder) Layer(n *G.Node) (Layer, error) {
	if n == nil {
		return Layer{}, errors.New("graph: no node")
	}
	if l, ok := b.layers[n]; ok {
		return *l, nil
	}
	if n.Op() == nil {
		return Layer{}, errors.Errorf("graph: node %q is an input or a parameter, not a block's output", n.Name())
	}
	return Layer{}, errors.Errorf("graph: node %q (op %v) was not made by a block of package graph", n.Name(), n.Op())
}

// IsInput reports whether n is an input made by Input.
func (b *Builder) IsInput(n *G.Node) bool { return b.data[n] && n.Op() == nil }

// record notes which block made y (see Layer) and, but for a Flatten,
// adds y to Outputs; nothing is noted for a failed block.
func (b *Builder) record(y *G.Node, l Layer) {
	if y == nil || b.err != nil {
		return
	}
	if b.layers == nil { // a Builder made without NewBuilder
		b.layers = map[*G.Node]*Layer{}
	}
	b.layers[y] = &l
	if l.Kind == FlattenLayer {
		return // its values are its input's, reshaped
	}
	kind := strings.ToLower(string(l.Kind))
	if l.ReLU {
		kind += "-relu"
	}
	b.recordOutput(kind, l.Name, l.Input, y)
}
