package onnx

import (
	"fmt"
	"strings"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/internal/onnxpb"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// ONNX operator types of the zoo's blocks.
const (
	opConv      = "Conv"
	opBatchNorm = "BatchNormalization"
	opRelu      = "Relu"
	opTanh      = "Tanh"
	opSigmoid   = "Sigmoid"
	opMaxPool   = "MaxPool"
	opFlatten   = "Flatten"
	opGemm      = "Gemm"
)

// step is one ONNX operator of a model's chain, described the same way
// whether it comes from the zoo's graph (params set) or from a file
// (tensors set): two steps fit when their descriptions are equal.
type step struct {
	op     string
	name   string         // the zoo block's name, for node names
	params []*graph.Param // zoo side, PyTorch's order
	shapes [][]int64      // the tensors' PyTorch shapes, in that order
	kernel []int64        // Conv, MaxPool
	stride []int64
	pads   []int64 // begin and end of each axis
	eps    float64 // BatchNormalization
	flat   int64   // Flatten: values per sample after it
	// extra holds what a file sets that no zoo block has (strides 2,
	// group 2, ceil_mode...), written into the description.
	extra []string

	// File side.
	node    int              // index of the step's (last) node
	nodeOf  string           // its name
	tensors []*onnxpb.Tensor // PyTorch's order; nil for an absent Conv bias
	// transposed is set for a Linear whose weight the file holds as
	// (in, out): Gemm with transB 0, or MatMul.
	transposed bool
}

// describe is how errors name a step, and what is compared.
func (s step) describe() string {
	var b strings.Builder
	b.WriteString(s.op)
	switch s.op {
	case opConv:
		w := s.shapes[0]
		fmt.Fprintf(&b, " with %s kernel, %s, %s, %d→%d channels", dims(s.kernel, "x"), padsText(s.pads), strideText(s.stride), w[1], w[0])
	case opMaxPool:
		fmt.Fprintf(&b, " with %s kernel, %s, %s", dims(s.kernel, "x"), strideText(s.stride), padsText(s.pads))
	case opBatchNorm:
		fmt.Fprintf(&b, " of %d channels, ε %.3g", s.shapes[0][0], s.eps)
	case opGemm:
		w := s.shapes[0]
		fmt.Fprintf(&b, " (Linear) %d→%d", w[1], w[0])
	case opFlatten:
		fmt.Fprintf(&b, " to (N, %d)", s.flat)
	}
	for _, e := range s.extra {
		b.WriteString(", " + e)
	}
	return b.String()
}

func dims(v []int64, sep string) string {
	parts := make([]string, len(v))
	for i, d := range v {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, sep)
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

// modelSteps walks the model's inference graph from the logits back to
// the input, one block at a time, and returns its ONNX operators in order.
// A node no zoo block made has no ONNX form: the error names it.
func modelSteps(m *zoo.Model) ([]step, error) {
	g, err := m.InferenceGraph(1)
	if err != nil {
		return nil, err
	}
	var rev []step
	for n := g.Logits; n != g.Input; {
		l, err := g.Builder.Block(n)
		if err != nil {
			return nil, errors.Wrapf(err, "%s has a block without an ONNX form", m.Arch.Name)
		}
		if len(rev) > 1<<16 {
			return nil, errors.Errorf("%s: the graph does not lead back to its input", m.Arch.Name)
		}
		if len(l.Inputs) != 1 {
			return nil, errors.Errorf("%s: block %s joins %d inputs: no ONNX form yet", m.Arch.Name, l.Name, len(l.Inputs))
		}
		s := step{params: l.Params}
		if len(l.Params) > 0 {
			s.name = l.Name // blocks without parameters are named by their place
		}
		for _, p := range l.Params {
			shape := make([]int64, len(p.TorchShape))
			for i, d := range p.TorchShape {
				shape[i] = int64(d)
			}
			s.shapes = append(s.shapes, shape)
		}
		k, st, p := int64(l.Kernel), int64(l.Stride), int64(l.Pad)
		switch l.Kind {
		case graph.LinearBlock:
			s.op = opGemm
		case graph.Conv2dBlock:
			s.op, s.kernel, s.stride, s.pads = opConv, []int64{k, k}, []int64{st, st}, []int64{p, p, p, p}
		case graph.BatchNorm2dBlock:
			s.op, s.eps = opBatchNorm, l.Epsilon
		case graph.MaxPool2dBlock:
			s.op, s.kernel, s.stride, s.pads = opMaxPool, []int64{k, k}, []int64{st, st}, []int64{0, 0, 0, 0}
		case graph.ReLUBlock:
			s.op = opRelu
		case graph.TanhBlock:
			s.op = opTanh
		case graph.SigmoidBlock:
			s.op = opSigmoid
		case graph.FlattenBlock:
			in := l.Inputs[0].Shape()
			s.op, s.flat = opFlatten, int64(in.TotalSize()/in[0])
		default:
			return nil, errors.Errorf("%s: block %s has no ONNX form", m.Arch.Name, l.Kind)
		}
		rev = append(rev, s)
		if l.Kind == graph.MaxPool2dBlock && l.ReLU {
			// ReLU after the pooling equals ReLU before it (ReLU is
			// monotonic): written in the course's order, as PyTorch
			// exports its classes (rev runs backwards).
			rev = append(rev, step{op: opRelu})
		}
		n = l.Inputs[0]
	}
	steps := make([]step, len(rev))
	for i, s := range rev {
		steps[len(rev)-1-i] = s
	}
	return steps, nil
}
