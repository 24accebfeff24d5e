package onnx

import (
	"fmt"
	"strings"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/internal/onnxpb"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// ONNX operator types of the zoo's blocks.
const (
	opConv          = "Conv"
	opBatchNorm     = "BatchNormalization"
	opRelu          = "Relu"
	opTanh          = "Tanh"
	opSigmoid       = "Sigmoid"
	opMaxPool       = "MaxPool"
	opAveragePool   = "AveragePool"
	opGlobalAvgPool = "GlobalAveragePool"
	opFlatten       = "Flatten"
	opGemm          = "Gemm"
	opAdd           = "Add"
)

// graphInput stands for the graph's input among a step's inputs.
const graphInput = -1

// step is one ONNX operator of a model's graph, described the same way
// whether it comes from the zoo's blocks (params set) or from a file
// (tensors set): two steps fit when their descriptions are equal and
// their inputs are steps that fit.
type step struct {
	op     string
	inputs []int          // the steps whose outputs it takes, in order; graphInput for the input
	name   string         // the zoo block's name, for node names
	params []*graph.Param // zoo side, PyTorch's order
	shapes [][]int64      // the tensors' PyTorch shapes, in that order
	kernel []int64        // Conv, MaxPool, AveragePool
	stride []int64
	pads   []int64 // begin and end of each axis
	eps    float64 // BatchNormalization
	flat   int64   // Flatten: values per sample after it
	noBias bool    // a Conv without bias
	// extra holds what a file sets that no zoo block has (strides 2,
	// group 2, ceil_mode...), written into the description.
	extra []string

	// Zoo side: a BatchNorm that torch.onnx.export's eval mode folds into
	// this Conv (see foldBatchNorms).
	folded *step

	// File side.
	node    int              // index of the step's (last) node
	nodeOf  string           // its name
	tensors []*onnxpb.Tensor // PyTorch's order; nil for an absent Conv bias
	// transposed is set for a Linear whose weight the file holds as
	// (in, out): Gemm with transB 0, or MatMul.
	transposed bool
}

// describe is how errors name a step, and what is compared.
func (s *step) describe() string {
	var b strings.Builder
	b.WriteString(s.op)
	switch s.op {
	case opConv:
		w := s.shapes[0]
		fmt.Fprintf(&b, " with %s kernel, %s, %s, %d→%d channels", dims(s.kernel, "x"), padsText(s.pads), strideText(s.stride), w[1], w[0])
		if s.noBias {
			b.WriteString(", no bias")
		}
	case opMaxPool, opAveragePool:
		fmt.Fprintf(&b, " with %s kernel, %s, %s", dims(s.kernel, "x"), strideText(s.stride), padsText(s.pads))
	case opBatchNorm:
		fmt.Fprintf(&b, " of %d channels, ε %.3g", s.shapes[0][0], s.eps)
	case opGemm:
		w := s.shapes[0]
		fmt.Fprintf(&b, " (Linear) %d→%d", w[1], w[0])
	case opFlatten:
		fmt.Fprintf(&b, " to (N, %d)", s.flat)
	case opAdd:
		fmt.Fprintf(&b, " of %d inputs", len(s.inputs))
	}
	for _, e := range s.extra {
		b.WriteString(", " + e)
	}
	return b.String()
}

// maxListed is how many values of a list a message shows.
const maxListed = 8

// dims writes at most maxListed values, then how many there are.
func dims(v []int64, sep string) string {
	var b strings.Builder
	for i, d := range v {
		if i == maxListed {
			fmt.Fprintf(&b, "%s… (%d values)", sep, len(v))
			break
		}
		if i > 0 {
			b.WriteString(sep)
		}
		fmt.Fprint(&b, d)
	}
	return b.String()
}

func strideText(s []int64) string {
	if len(s) == 2 && s[0] == s[1] {
		return fmt.Sprintf("stride %d", s[0])
	}
	return "strides " + dims(s, "x")
}

func padsText(p []int64) string {
	for _, v := range p[1:] {
		if v != p[0] {
			return "pads [" + dims(p, " ") + "]"
		}
	}
	return fmt.Sprintf("padding %d", p[0])
}

// modelSteps lists the ONNX operators of m's inference graph g, in a
// topological order: the blocks that lead from the input to the logits
// (Builder.Blocks), Dropout left out (the identity in inference). The
// last step computes the logits. A node that no block of package graph
// made has no ONNX form: the error names it.
func modelSteps(m *zoo.Model, g *zoo.Graph) ([]step, error) {
	// The blocks the logits depend on, found from the logits back, so
	// that a node of Gorgonia's own operations is named.
	b := g.Builder
	needed := map[*G.Node]bool{}
	for todo := []*G.Node{g.Logits}; len(todo) > 0; {
		n := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if n == g.Input || needed[n] {
			continue
		}
		blk, err := b.Block(n)
		if err != nil {
			return nil, errors.Wrapf(err, "%s has a block without an ONNX form", m.Arch.Name)
		}
		needed[n] = true
		todo = append(todo, blk.Inputs...)
	}
	if g.Logits == g.Input {
		return nil, errors.Errorf("%s: the logits are the input", m.Arch.Name)
	}
	index := map[*G.Node]int{g.Input: graphInput} // node → the step computing it
	var steps []step
	for _, blk := range b.Blocks() {
		if !needed[blk.Output] {
			continue
		}
		ins := make([]int, len(blk.Inputs))
		for i, x := range blk.Inputs {
			k, ok := index[x]
			if !ok {
				return nil, errors.Errorf("%s: block %s takes a node made after it", m.Arch.Name, blk.Name) // Blocks' order: not reached
			}
			ins[i] = k
		}
		if blk.Kind == graph.DropoutBlock {
			index[blk.Output] = ins[0]
			continue
		}
		s := step{name: blk.Name, params: blk.Params, inputs: ins}
		for _, p := range blk.Params {
			shape := make([]int64, len(p.TorchShape))
			for i, d := range p.TorchShape {
				shape[i] = int64(d)
			}
			s.shapes = append(s.shapes, shape)
		}
		k, st, p := int64(blk.Kernel), int64(blk.Stride), int64(blk.Pad)
		switch blk.Kind {
		case graph.LinearBlock:
			s.op = opGemm
		case graph.Conv2dBlock:
			s.op, s.kernel, s.stride, s.pads = opConv, []int64{k, k}, []int64{st, st}, []int64{p, p, p, p}
			s.noBias = len(blk.Params) == 1
		case graph.BatchNorm2dBlock:
			s.op, s.eps = opBatchNorm, blk.Epsilon
		case graph.MaxPool2dBlock, graph.AvgPool2dBlock:
			s.op, s.kernel, s.stride, s.pads = opMaxPool, []int64{k, k}, []int64{st, st}, []int64{p, p, p, p}
			if blk.Kind == graph.AvgPool2dBlock {
				s.op = opAveragePool
			}
			if blk.ReLU {
				// ReLU after the pooling equals ReLU before it (ReLU is
				// monotonic): written in the course's order, as PyTorch
				// exports its classes.
				steps = append(steps, step{op: opRelu, name: blk.Name, inputs: ins})
				s.inputs = []int{len(steps) - 1}
			}
		case graph.GlobalAvgPool2dBlock:
			s.op = opGlobalAvgPool
			if len(blk.Output.Shape()) == 2 {
				// (N, C): ONNX's pooling keeps (N, C, 1, 1).
				steps = append(steps, s)
				s = step{op: opFlatten, name: blk.Name, inputs: []int{len(steps) - 1}, flat: int64(blk.Output.Shape()[1])}
			}
		case graph.ReLUBlock:
			s.op = opRelu
		case graph.TanhBlock:
			s.op = opTanh
		case graph.SigmoidBlock:
			s.op = opSigmoid
		case graph.FlattenBlock:
			in := blk.Inputs[0].Shape()
			s.op, s.flat = opFlatten, int64(in.TotalSize()/in[0])
		case graph.AddBlock:
			s.op = opAdd
		default:
			return nil, errors.Errorf("%s: block %s (%s) has no ONNX form", m.Arch.Name, blk.Name, blk.Kind)
		}
		steps = append(steps, s)
		index[blk.Output] = len(steps) - 1
	}
	if index[g.Logits] != len(steps)-1 {
		// The logits are the last block the logits need, or a Dropout
		// of an earlier one: give them a step of their own.
		return nil, errors.Errorf("%s: the logits are a Dropout's output", m.Arch.Name)
	}
	return normalize(steps), nil
}

// consumers lists, for each step, the steps that take its output.
func consumers(steps []step) [][]int {
	out := make([][]int, len(steps))
	for i, s := range steps {
		for _, k := range s.inputs {
			if k >= 0 {
				out[k] = append(out[k], i)
			}
		}
	}
	return out
}

// normalize writes the same computation in one form, on both sides of a
// comparison: a ReLU after a max-pooling goes before it (the course's
// order; they commute), and an Add whose input is an Add that nothing
// else takes takes that Add's inputs instead (x + y + z, however it is
// nested). The last step stays the last.
func normalize(steps []step) []step {
	last := len(steps) - 1
	users := consumers(steps)
	only := func(k, user int) bool { return k >= 0 && k != last && len(users[k]) == 1 && users[k][0] == user }
	for i := range steps {
		s := &steps[i]
		if s.op == opRelu && len(s.inputs) == 1 && only(s.inputs[0], i) && steps[s.inputs[0]].op == opMaxPool {
			k := s.inputs[0]
			pool, relu := steps[k], *s
			relu.inputs, pool.inputs = pool.inputs, []int{k}
			steps[k], steps[i] = relu, pool
		}
	}
	dead := make([]bool, len(steps))
	for i := range steps {
		s := &steps[i]
		if s.op != opAdd {
			continue
		}
		var ins []int
		for _, k := range s.inputs {
			if only(k, i) && steps[k].op == opAdd {
				ins = append(ins, steps[k].inputs...)
				dead[k] = true
			} else {
				ins = append(ins, k)
			}
		}
		s.inputs = ins
	}
	return compact(steps, dead)
}

// compact drops the dead steps and renumbers the inputs of the others.
func compact(steps []step, dead []bool) []step {
	renum := make([]int, len(steps))
	var out []step
	for i, s := range steps {
		if dead[i] {
			continue
		}
		renum[i] = len(out)
		out = append(out, s)
	}
	for i := range out {
		ins := make([]int, len(out[i].inputs))
		for j, k := range out[i].inputs {
			ins[j] = k
			if k >= 0 {
				ins[j] = renum[k]
			}
		}
		out[i].inputs = ins
	}
	return out
}

// foldBatchNorms is the zoo's graph as torch.onnx.export writes it in
// eval mode: each BatchNorm whose input is a Conv that nothing else takes
// is folded into it (the Conv's folded), its consumers taking the Conv.
func foldBatchNorms(steps []step) []step {
	steps = append([]step(nil), steps...)
	last := len(steps) - 1
	users := consumers(steps)
	dead := make([]bool, len(steps))
	alias := make([]int, len(steps))
	for i := range alias {
		alias[i] = i
	}
	for i := range steps {
		s := &steps[i]
		s.inputs = append([]int(nil), s.inputs...)
		for j, k := range s.inputs {
			if k >= 0 {
				s.inputs[j] = alias[k]
			}
		}
		if s.op != opBatchNorm || i == last {
			continue
		}
		k := s.inputs[0]
		if k < 0 || steps[k].op != opConv || len(users[k]) != 1 {
			continue
		}
		bn := *s
		conv := steps[k]
		conv.folded = &bn
		steps[k] = conv
		dead[i], alias[i] = true, k
	}
	return compact(steps, dead)
}
