package graph

import (
	"fmt"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Mode selects how blocks behave: BatchNorm normalises with batch statistics
// and updates its running statistics in Training, and uses the running
// statistics in Inference.
type Mode int

const (
	// Training builds a graph to be differentiated and optimised.
	Training Mode = iota
	// Inference builds a graph for evaluation only.
	Inference
)

func (m Mode) String() string {
	if m == Inference {
		return "inference"
	}
	return "training"
}

// Builder carries what every block needs: the graph it adds to, the store its
// parameters live in and the mode. It collects the learnables of the graph and
// keeps the first error, after which every block returns nil.
type Builder struct {
	graph      *G.ExprGraph
	store      *Store
	mode       Mode
	learnables G.Nodes
	// data are the nodes that hold data: the inputs made by Input, and
	// reshapes of them. Blocks applied to them skip the input gradient.
	data map[*G.Node]bool
	// blocks are the blocks in the order they were added (see Block),
	// blockOf the index of each block's output among them; outputs are
	// the blocks' outputs but Flatten's (see Outputs). named maps every
	// output (and a Flatten of one) to its name, and taken holds the
	// names given.
	blocks  []Block
	blockOf map[*G.Node]int
	outputs []Output
	named   map[*G.Node]string
	taken   map[string]bool
	// bound is the node of each parameter bound into the graph: a
	// parameter used by several blocks is one node (see node).
	bound map[*Param]*G.Node
	err   error
}

// Output is the output node of one block of a graph, as the Builder
// recorded it: what Outputs lists, for reading a model's intermediate
// values (its blocks' outputs) after a run.
type Output struct {
	// Name is the block's name (see Block.Name): the prefix of its
	// parameters, the PyTorch module's name ("layer1.0", "lin1"), or for
	// a block without parameters the name of the block its first input
	// came from and its kind ("layer1.0/maxpool2d-relu", "lin1/relu",
	// "layer1.0.bn2/add/relu"). Names are unique.
	Name string
	// Kind is the block's kind in lower case: "linear", "conv2d",
	// "batchnorm2d", "relu", "tanh", "sigmoid", "maxpool2d",
	// "maxpool2d-relu" (MaxPool2dReLU), "avgpool2d", "globalavgpool2d",
	// "add", "dropout", or an Elementwise activation's name.
	Kind string
	// Node is the block's output, batch first.
	Node *G.Node
}

// NewBuilder starts a new graph over the given store.
func NewBuilder(s *Store, mode Mode) *Builder {
	return &Builder{graph: G.NewGraph(), store: s, mode: mode, data: map[*G.Node]bool{},
		blockOf: map[*G.Node]int{}, named: map[*G.Node]string{}, taken: map[string]bool{}, bound: map[*Param]*G.Node{}}
}

// Outputs are the outputs of the blocks added so far, in the order they
// were added (see Blocks): every block but Flatten, whose values are its
// input's, reshaped; the loss is not a block. The nodes hold their values after a VM has run the graph.
func (b *Builder) Outputs() []Output { return b.outputs }

// uniqueName is the name of a new block (see Block.Name): name when it
// has parameters, else kind after the block x came from, made unique.
func (b *Builder) uniqueName(kind, name string, x *G.Node) string {
	if name == "" {
		name = kind
		if prev, ok := b.named[x]; ok {
			name = prev + "/" + kind
		}
	}
	unique := name
	for i := 2; b.taken[unique]; i++ {
		unique = fmt.Sprintf("%s#%d", name, i)
	}
	b.taken[unique] = true
	return unique
}

// Graph is the expression graph being built.
func (b *Builder) Graph() *G.ExprGraph { return b.graph }

// Store is the parameter store the graph's learnables are bound to.
func (b *Builder) Store() *Store { return b.store }

// Mode is the mode the graph is built in.
func (b *Builder) Mode() Mode { return b.mode }

// Learnables are the nodes the optimiser updates, in creation order.
func (b *Builder) Learnables() G.Nodes { return b.learnables }

// Err is the first error met while building, if any.
func (b *Builder) Err() error { return b.err }

// Failf records an error (the first one wins) so that model constructors can
// report their own checks the same way the blocks do.
func (b *Builder) Failf(format string, args ...any) {
	if b.err == nil {
		b.err = errors.Errorf(format, args...)
	}
}

func (b *Builder) fail(err error, context string) {
	if b.err == nil && err != nil {
		b.err = errors.Wrap(err, context)
	}
}

// ok reports whether building can go on with the given inputs.
func (b *Builder) ok(inputs ...*G.Node) bool {
	if b.err != nil {
		return false
	}
	for _, n := range inputs {
		if n == nil {
			b.Failf("graph: nil input node")
			return false
		}
	}
	return true
}

// Input adds a named input node of the given shape (batch first), to be fed
// with G.Let before each run. It holds data: the blocks applied to it
// (directly or through Flatten) do not compute a gradient with respect to
// it, which the first layer would otherwise spend as much time on as on its
// forward product; to differentiate with respect to an input, make the node
// with G.NewTensor instead.
func (b *Builder) Input(name string, shape ...int) *G.Node {
	if b.err != nil {
		return nil
	}
	n := G.NewTensor(b.graph, b.store.dtype, len(shape), G.WithShape(shape...), G.WithName(name))
	b.data[n] = true
	return n
}

// isData reports whether n holds data rather than a value computed from
// parameters (see Input).
func (b *Builder) isData(n *G.Node) bool { return b.data[n] }

// node binds a stored parameter into the graph and records it among the
// learnables, once: a parameter used by k blocks (shared weights, a cell
// applied at every time step) is one node and one learnable, so that
// gorgonia.Grad gives it the sum of the k uses' gradients and the optimiser
// updates it once per step, as PyTorch does.
func (b *Builder) node(p *Param) *G.Node {
	if n, ok := b.bound[p]; ok {
		return n
	}
	n := G.NewTensor(b.graph, p.Value.Dtype(), p.Value.Dims(), G.WithShape(p.Value.Shape().Clone()...), G.WithName(p.Name), G.WithValue(p.Value))
	if p.Kind == Learnable {
		b.learnables = append(b.learnables, n)
	}
	if b.bound == nil { // a Builder made without NewBuilder
		b.bound = map[*Param]*G.Node{}
	}
	b.bound[p] = n
	return n
}

// expectDims checks a block's input rank, in the spirit of GoMLX's AssertDims.
func (b *Builder) expectDims(block string, x *G.Node, dims int) bool {
	if x.Dims() != dims {
		b.Failf("%s: input %v has %d dimensions, want %d", block, x.Shape(), x.Dims(), dims)
		return false
	}
	return true
}

func shapeString(s tensor.Shape) string { return fmt.Sprint([]int(s)) }
