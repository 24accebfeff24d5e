package graph

import (
	"strings"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// BlockKind names what a block computes.
type BlockKind string

// The kinds of the blocks of this package (the loss is not a block). An
// Elementwise block's kind is its Activation's name.
const (
	LinearBlock          BlockKind = "Linear"
	Conv2dBlock          BlockKind = "Conv2d"
	MaxPool2dBlock       BlockKind = "MaxPool2d"
	AvgPool2dBlock       BlockKind = "AvgPool2d"
	GlobalAvgPool2dBlock BlockKind = "GlobalAvgPool2d"
	BatchNorm2dBlock     BlockKind = "BatchNorm2d"
	ReLUBlock            BlockKind = "ReLU"
	TanhBlock            BlockKind = "Tanh"
	SigmoidBlock         BlockKind = "Sigmoid"
	FlattenBlock         BlockKind = "Flatten"
	AddBlock             BlockKind = "Add"
	DropoutBlock         BlockKind = "Dropout"
)

// Block describes one block of a model's graph: what it computes, from
// which inputs, into which output, with which parameters. A model's blocks
// form a DAG (residual joins, shared inputs); Builder.Blocks lists them in
// the order they were added, a topological order. Exporters (package onnx)
// and pictures (Outputs, the zoo's Activations) walk a model through it.
type Block struct {
	Kind BlockKind
	// Name is unique among the graph's blocks. A block with parameters is
	// named by their prefix, the PyTorch module's name ("lin1",
	// "layer2.0.downsample.0"); a block without is named after the block
	// its first input came from, with its kind ("layer1.0.bn2/add",
	// "layer1.0.bn2/add/relu"), or by its kind alone after an input. A name
	// already taken (a second use of shared parameters) gets "#2", "#3", ...
	// appended. Outputs uses the same names.
	Name string
	// Inputs are the nodes the block was applied to, in order: one for
	// every kind but Add, which has two or more.
	Inputs []*G.Node
	// Output is the node the block made.
	Output *G.Node
	// Params are the block's tensors in PyTorch's state_dict order:
	// weight and bias (Linear, Conv2d; a Conv2d without bias has only its
	// weight); weight, bias, running_mean and running_var (BatchNorm2d;
	// num_batches_tracked, which inference does not use, is left out).
	Params []*Param
	// Kernel, Stride and Pad are square (Conv2d, MaxPool2d, AvgPool2d):
	// the poolings' stride is their kernel and their padding 0.
	// GlobalAvgPool2d averages each channel's whole plane and sets none.
	Kernel, Stride, Pad int
	// ReLU is set on a MaxPool2d made by MaxPool2dReLU: a ReLU follows
	// the pooling.
	ReLU bool
	// Epsilon is BatchNorm2d's ε.
	Epsilon float64
	// P is Dropout's probability of zeroing an element in training.
	P float64
}

// Block describes the block that made n. It fails for a node no block of
// this package made (an input, a parameter, or a node made with Gorgonia's
// own operations), naming the node and its op.
func (b *Builder) Block(n *G.Node) (Block, error) {
	if n == nil {
		return Block{}, errors.New("graph: no node")
	}
	if i, ok := b.blockOf[n]; ok {
		return b.blocks[i], nil
	}
	if n.Op() == nil {
		return Block{}, errors.Errorf("graph: node %q is an input or a parameter, not a block's output", n.Name())
	}
	return Block{}, errors.Errorf("graph: node %q (op %v) was not made by a block of package graph", n.Name(), n.Op())
}

// Blocks are the blocks added so far, in the order they were added: each
// block's inputs are the graph's inputs or outputs of blocks before it.
// Flatten is included; the loss is not.
func (b *Builder) Blocks() []Block { return b.blocks }

// IsInput reports whether n is an input made by Input.
func (b *Builder) IsInput(n *G.Node) bool { return b.data[n] && n.Op() == nil }

// record notes which block made y (see Block), names it and, but for a
// Flatten, adds y to Outputs; nothing is noted for a failed block.
func (b *Builder) record(y *G.Node, blk Block) {
	if y == nil || b.err != nil {
		return
	}
	if b.blockOf == nil { // a Builder made without NewBuilder
		b.blockOf, b.named, b.taken = map[*G.Node]int{}, map[*G.Node]string{}, map[string]bool{}
	}
	kind := strings.ToLower(string(blk.Kind))
	if blk.ReLU {
		kind += "-relu"
	}
	blk.Output = y
	blk.Name = b.uniqueName(kind, blk.Name, blk.Inputs[0])
	b.blockOf[y] = len(b.blocks)
	b.blocks = append(b.blocks, blk)
	if blk.Kind == FlattenBlock {
		// Its values are its input's, reshaped: not an output of its own,
		// and the block after it is named after the block before it.
		if prev, ok := b.named[blk.Inputs[0]]; ok {
			b.named[y] = prev
		}
		return
	}
	b.named[y] = blk.Name
	b.outputs = append(b.outputs, Output{Name: blk.Name, Kind: kind, Node: y})
}
