package onnx

import (
	"fmt"
	"math"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/internal/onnxpb"
)

// batch stands for the batch size in the shapes the reader computes.
const batch = math.MinInt64

// reader follows a file's graph.
type reader struct {
	g        *onnxpb.Graph
	name     string
	producer map[string]int            // value name → index of the node computing it
	consts   map[string]*onnxpb.Tensor // initializers and Constant outputs
}

// chain reads the file's graph from its output back to its input, one
// operator at a time, and returns the steps in order, with the shapes
// propagated from the input's (C, H, W) so that a Flatten or Reshape is
// described by what it makes. Shape computations (Shape, Gather,
// Unsqueeze, Concat, Constant) that feed a Reshape are evaluated, not
// stepped through; Identity and Dropout are skipped.
func chain(g *onnxpb.Graph, input string, shape []int64, name string) ([]step, error) {
	r := &reader{g: g, name: name, producer: map[string]int{}, consts: map[string]*onnxpb.Tensor{}}
	for _, t := range g.Initializer {
		r.consts[t.Name] = t
	}
	for i, n := range g.Node {
		if n.Domain != "" && n.Domain != "ai.onnx" {
			return nil, errors.Errorf("%s: node %d (%s) is %s of domain %s, which the zoo does not read", name, i, n.Name, n.OpType, n.Domain)
		}
		for _, o := range n.Output {
			if o != "" {
				r.producer[o] = i
			}
		}
		if n.OpType == "Constant" && len(n.Output) == 1 {
			if a, ok := n.Attr("value"); ok && a.T != nil {
				r.consts[n.Output[0]] = a.T
			}
		}
	}
	if len(g.Output) != 1 {
		return nil, errors.Errorf("%s: the graph has %d outputs, want 1 (the logits)", name, len(g.Output))
	}
	var rev []step
	for cur := g.Output[0].Name; cur != input; {
		i, ok := r.producer[cur]
		if !ok {
			return nil, errors.Errorf("%s: value %q is neither computed by a node nor the graph's input", name, cur)
		}
		if len(rev) > len(g.Node) {
			return nil, errors.Errorf("%s: the graph has a cycle", name)
		}
		s, next, err := r.step(i)
		if err != nil {
			return nil, err
		}
		if s.op != "" {
			rev = append(rev, s)
		}
		cur = next
	}
	steps := make([]step, len(rev))
	for i, s := range rev {
		steps[len(rev)-1-i] = s
	}
	// Shapes forward: what each step makes of (C, H, W).
	for i := range steps {
		s := &steps[i]
		var err error
		if shape, err = s.propagate(shape); err != nil {
			return nil, errors.Wrapf(err, "%s: node %d (%s)", name, s.node, s.nodeOf)
		}
	}
	return steps, nil
}

// step reads the operator of node i and returns it with the name of its
// data input; an empty op is a node that computes nothing (Identity).
func (r *reader) step(i int) (step, string, error) {
	n := r.g.Node[i]
	s := step{op: n.OpType, node: i, nodeOf: n.Name}
	fail := func(format string, args ...any) (step, string, error) {
		return step{}, "", errors.Errorf("%s: node %d (%s, %s): %s", r.name, i, n.Name, n.OpType, fmt.Sprintf(format, args...))
	}
	if len(n.Input) == 0 || n.Input[0] == "" {
		return fail("no input")
	}
	data := n.Input[0]
	// weights takes the tensors of inputs from..., in order; absent
	// optional inputs are nil.
	weights := func(from int) error {
		for k := from; k < len(n.Input); k++ {
			if n.Input[k] == "" {
				s.tensors = append(s.tensors, nil)
				continue
			}
			t, ok := r.consts[n.Input[k]]
			if !ok {
				return errors.Errorf("input %q is not an initializer", n.Input[k])
			}
			s.tensors = append(s.tensors, t)
		}
		return nil
	}
	attrs := attrReader{n: n}
	switch n.OpType {
	case "Identity", "Dropout":
		return step{}, data, nil
	case opRelu, opTanh, opSigmoid:
	case opConv:
		if err := weights(1); err != nil {
			return fail("%v", err)
		}
		if len(s.tensors) < 1 || s.tensors[0] == nil || len(s.tensors[0].Dims) != 4 {
			return fail("the weight is not 4-D")
		}
		w := s.tensors[0].Dims
		s.kernel = attrs.ints("kernel_shape", w[2:]...)
		s.stride = attrs.ints("strides", 1, 1)
		s.pads = attrs.ints("pads", 0, 0, 0, 0)
		attrs.extraInts(&s, "dilations", 1, 1)
		attrs.extraInt(&s, "group", 1)
		attrs.extraString(&s, "auto_pad", "NOTSET")
		if len(s.tensors) < 2 {
			s.tensors = append(s.tensors, nil)
		}
		s.shapes = [][]int64{w, {w[0]}}
	case opMaxPool:
		s.kernel = attrs.ints("kernel_shape")
		s.stride = attrs.ints("strides", 1, 1)
		s.pads = attrs.ints("pads", 0, 0, 0, 0)
		attrs.extraInts(&s, "dilations", 1, 1)
		attrs.extraInt(&s, "ceil_mode", 0)
		attrs.extraString(&s, "auto_pad", "NOTSET")
		if len(n.Output) > 1 && n.Output[1] != "" {
			s.extra = append(s.extra, "with indices")
		}
		if len(s.kernel) != 2 {
			return fail("kernel_shape %v, want 2 dimensions", s.kernel)
		}
	case opBatchNorm:
		if err := weights(1); err != nil {
			return fail("%v", err)
		}
		if len(s.tensors) != 4 || s.tensors[0] == nil {
			return fail("%d parameters, want scale, bias, mean and variance", len(s.tensors))
		}
		c := s.tensors[0].Dims
		s.eps = float64(attrs.float("epsilon", 1e-5))
		attrs.extraInt(&s, "training_mode", 0)
		for _, t := range s.tensors {
			if t == nil || len(t.Dims) != 1 || t.Dims[0] != c[0] {
				return fail("parameters of different shapes")
			}
			s.shapes = append(s.shapes, t.Dims)
		}
	case opFlatten:
		attrs.extraInt(&s, "axis", 1)
	case "Reshape":
		if len(n.Input) < 2 {
			return fail("no shape")
		}
		target, err := r.ints(n.Input[1], 0)
		if err != nil {
			return fail("the target shape: %v", err)
		}
		s.op, s.kernel = "Reshape", target // propagate reads it
	case opGemm:
		if err := weights(1); err != nil {
			return fail("%v", err)
		}
		if len(s.tensors) < 1 || s.tensors[0] == nil || len(s.tensors[0].Dims) != 2 {
			return fail("B is not a matrix")
		}
		if attrs.int("transA", 0) != 0 {
			s.extra = append(s.extra, "transA")
		}
		if a := attrs.float("alpha", 1); a != 1 {
			s.extra = append(s.extra, fmt.Sprintf("alpha %g", a))
		}
		if b := attrs.float("beta", 1); b != 1 {
			s.extra = append(s.extra, fmt.Sprintf("beta %g", b))
		}
		w := s.tensors[0].Dims
		if attrs.int("transB", 0) == 0 {
			s.transposed, w = true, []int64{w[1], w[0]}
		}
		if len(s.tensors) < 2 || s.tensors[1] == nil {
			return fail("no bias C")
		}
		if c := s.tensors[1].Dims; c[len(c)-1] != w[0] || s.tensors[1].Size() != w[0] {
			return fail("bias of shape %v for %d outputs", c, w[0])
		}
		s.shapes = [][]int64{w, {w[0]}}
	case "Add":
		// MatMul(x, W) + b, W (in, out) and b (out): a Linear.
		if len(n.Input) != 2 {
			return fail("%d inputs", len(n.Input))
		}
		bias, mm := n.Input[1], n.Input[0]
		if _, ok := r.consts[mm]; ok {
			bias, mm = mm, bias
		}
		j, ok := r.producer[mm]
		b, isConst := r.consts[bias]
		if !ok || !isConst || r.g.Node[j].OpType != "MatMul" || len(r.g.Node[j].Input) != 2 {
			return fail("an addition the zoo reads only as MatMul + bias (a Linear)")
		}
		mmNode := r.g.Node[j]
		w, ok := r.consts[mmNode.Input[1]]
		if !ok || len(w.Dims) != 2 {
			return fail("MatMul by %q, not by a weight matrix", mmNode.Input[1])
		}
		if b.Size() != w.Dims[1] {
			return fail("bias of shape %v for %d outputs", b.Dims, w.Dims[1])
		}
		s.op, s.tensors, s.transposed = opGemm, []*onnxpb.Tensor{w, b}, true
		s.shapes = [][]int64{{w.Dims[1], w.Dims[0]}, {w.Dims[1]}}
		data = mmNode.Input[0]
	default:
		return fail("no zoo block computes %s", n.OpType)
	}
	if attrs.err != nil {
		return fail("%v", attrs.err)
	}
	return s, data, nil
}

// propagate checks the step against the shape of what it is applied to,
// (C, H, W) or (K), and returns the shape it makes. A Reshape is read as
// the Flatten it must be.
func (s *step) propagate(in []int64) ([]int64, error) {
	switch s.op {
	case opConv:
		w := s.shapes[0]
		if len(in) != 3 || len(s.kernel) != 2 || len(s.stride) != 2 || len(s.pads) != 4 {
			return nil, errors.Errorf("a 2-D convolution of input %v", in)
		}
		if in[0] != w[1] {
			return nil, errors.Errorf("a weight for %d channels, applied to %d", w[1], in[0])
		}
		return []int64{w[0], window(in[1], s.kernel[0], s.stride[0], s.pads[0]+s.pads[2]), window(in[2], s.kernel[1], s.stride[1], s.pads[1]+s.pads[3])}, nil
	case opMaxPool:
		if len(in) != 3 || len(s.stride) != 2 || len(s.pads) != 4 {
			return nil, errors.Errorf("a 2-D pooling of input %v", in)
		}
		return []int64{in[0], window(in[1], s.kernel[0], s.stride[0], s.pads[0]+s.pads[2]), window(in[2], s.kernel[1], s.stride[1], s.pads[1]+s.pads[3])}, nil
	case opBatchNorm:
		if len(in) < 1 || in[0] != s.shapes[0][0] {
			return nil, errors.Errorf("statistics of %d channels for input %v", s.shapes[0][0], in)
		}
	case opFlatten:
		s.flat = product(in)
		return []int64{s.flat}, nil
	case "Reshape":
		k := product(in)
		t := s.kernel
		ok := len(t) == 2 && (t[0] == batch || t[0] == 0 || t[0] == -1) && (t[1] == k || t[1] == -1) && !(t[0] == -1 && t[1] == -1)
		if !ok {
			s.extra = append(s.extra, "to "+shapeText(t)+" of "+shapeText(append([]int64{batch}, in...)))
			s.kernel = nil
			return []int64{k}, nil
		}
		s.op, s.kernel, s.flat = opFlatten, nil, k
		return []int64{k}, nil
	case opGemm:
		w := s.shapes[0]
		if len(in) != 1 || in[0] != w[1] {
			return nil, errors.Errorf("a Linear from %d values, applied to %v", w[1], in)
		}
		return []int64{w[0]}, nil
	}
	return in, nil
}

// window is the output size of a convolution or pooling along one axis.
func window(in, kernel, stride, pad int64) int64 {
	if stride < 1 {
		return -1
	}
	return (in+pad-kernel)/stride + 1
}

func product(v []int64) int64 {
	n := int64(1)
	for _, d := range v {
		n *= d
	}
	return n
}

func shapeText(v []int64) string {
	s := "("
	for i, d := range v {
		if i > 0 {
			s += ", "
		}
		if d == batch {
			s += "N"
		} else {
			s += fmt.Sprint(d)
		}
	}
	return s + ")"
}

// ints evaluates the integers a value holds: a constant, or a shape
// computation on the batch size (Shape, Gather, Unsqueeze, Squeeze,
// Concat, Cast), whose element for the batch is the sentinel batch.
func (r *reader) ints(name string, depth int) ([]int64, error) {
	if depth > 32 {
		return nil, errors.New("a shape computation too deep")
	}
	if t, ok := r.consts[name]; ok {
		return t.Int64s()
	}
	i, ok := r.producer[name]
	if !ok {
		return nil, errors.Errorf("%q is not computed from constants", name)
	}
	n := r.g.Node[i]
	arg := func(k int) ([]int64, error) {
		if k >= len(n.Input) {
			return nil, errors.Errorf("%s without input %d", n.OpType, k)
		}
		return r.ints(n.Input[k], depth+1)
	}
	switch n.OpType {
	case "Shape":
		// Every value of the chain keeps the batch first; the other
		// dimensions are not needed.
		return []int64{batch}, nil
	case "Gather":
		v, err := arg(0)
		if err != nil {
			return nil, err
		}
		idx, err := arg(1)
		if err != nil {
			return nil, err
		}
		var out []int64
		for _, k := range idx {
			if k < 0 || k >= int64(len(v)) || (k > 0 && v[0] == batch && len(v) == 1) {
				return nil, errors.Errorf("Gather of element %d of a shape", k)
			}
			out = append(out, v[k])
		}
		return out, nil
	case "Unsqueeze", "Squeeze", "Cast", "Identity":
		return arg(0)
	case "Concat":
		var out []int64
		for k := range n.Input {
			v, err := arg(k)
			if err != nil {
				return nil, err
			}
			out = append(out, v...)
		}
		return out, nil
	}
	return nil, errors.Errorf("%q is computed by %s", name, n.OpType)
}

// attrReader reads a node's attributes, keeping the first error.
type attrReader struct {
	n   *onnxpb.Node
	err error
}

func (a *attrReader) get(name string, typ onnxpb.AttributeType) *onnxpb.Attribute {
	at, ok := a.n.Attr(name)
	if !ok {
		return nil
	}
	if at.Type != typ && a.err == nil {
		a.err = errors.Errorf("attribute %s is %v, want %v", name, at.Type, typ)
		return nil
	}
	return at
}

func (a *attrReader) ints(name string, def ...int64) []int64 {
	if at := a.get(name, onnxpb.AttrInts); at != nil {
		return at.Ints
	}
	return def
}

func (a *attrReader) int(name string, def int64) int64 {
	if at := a.get(name, onnxpb.AttrInt); at != nil {
		return at.I
	}
	return def
}

func (a *attrReader) float(name string, def float32) float32 {
	if at := a.get(name, onnxpb.AttrFloat); at != nil {
		return at.F
	}
	return def
}

// extraInt notes an attribute whose value is not the zoo's.
func (a *attrReader) extraInt(s *step, name string, zoo int64) {
	if v := a.int(name, zoo); v != zoo {
		s.extra = append(s.extra, fmt.Sprintf("%s %d", name, v))
	}
}

func (a *attrReader) extraInts(s *step, name string, zoo ...int64) {
	v := a.ints(name, zoo...)
	same := len(v) == len(zoo)
	for i := 0; same && i < len(v); i++ {
		same = v[i] == zoo[i]
	}
	if !same {
		s.extra = append(s.extra, fmt.Sprintf("%s %v", name, v))
	}
}

func (a *attrReader) extraString(s *step, name, zoo string) {
	if at := a.get(name, onnxpb.AttrString); at != nil && string(at.S) != zoo {
		s.extra = append(s.extra, fmt.Sprintf("%s %s", name, at.S))
	}
}
