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
	// layers are the blocks that made the nodes (see Layer).
	layers map[*G.Node]*Layer
	err    error
}

// NewBuilder starts a new graph over the given store.
func NewBuilder(s *Store, mode Mode) *Builder {
	return &Builder{graph: G.NewGraph(), store: s, mode: mode, data: map[*G.Node]bool{}, layers: map[*G.Node]*Layer{}}
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

// node binds a stored parameter into the graph; learnables are recorded.
func (b *Builder) node(p *Param) *G.Node {
	n := G.NewTensor(b.graph, p.Value.Dtype(), p.Value.Dims(), G.WithShape(p.Value.Shape().Clone()...), G.WithName(p.Name), G.WithValue(p.Value))
	if p.Kind == Learnable {
		b.learnables = append(b.learnables, n)
	}
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
