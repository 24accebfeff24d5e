package onnx

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/internal/onnxpb"
)

// What reading one ONNX file may make the process allocate and compute.
// Each is checked from the file's header and graph before the memory or
// the work it bounds is taken, and passing one is an error naming it.
const (
	// MaxFileBytes bounds the ONNX files Open reads (Load reads at most
	// what the model's weights could fill, plus 1 MiB).
	MaxFileBytes = 256 << 20
	// MaxNodes bounds the nodes of the graph.
	MaxNodes = 1 << 14
	// MaxWeightElements bounds the elements that the initializers and
	// Constant nodes declare, all together.
	MaxWeightElements = 1 << 26
	// MaxImageValues bounds C×H×W of the images the graph's input
	// declares, and MaxClasses the classes of its output.
	MaxImageValues = 1 << 24
	MaxClasses     = 1 << 16
	// MaxShapeElements bounds the integers that the graph's shape
	// computations (Shape, Gather, Concat, ... before a Reshape) make,
	// all together.
	MaxShapeElements = 1 << 16
)

// batch stands for the batch size in the shapes the reader computes.
const batch = math.MinInt64

// valueKind tells what a value of the file's graph is to the reader.
type valueKind uint8

const (
	dataValue   valueKind = iota + 1 // computed from the input by the steps
	intsValue                        // integers computed from shapes and constants
	constValue                       // an initializer or a Constant's tensor
	matmulValue                      // MatMul(x, W): a Linear waiting for its bias
)

type value struct {
	kind  valueKind
	step  int            // data, matmul: the step computing it (or x), graphInput for the input
	shape []int64        // data: one sample's shape (C, H, W) or (K); matmul: x's
	ints  []int64        // ints; const: its values once read as integers
	t     *onnxpb.Tensor // const; matmul: W
	node  int            // matmul: the MatMul's node
}

// reader reads a file's graph into steps.
type reader struct {
	g         *onnxpb.Graph
	name      string
	producer  map[string]int // value name → index of the node computing it
	values    map[string]*value
	steps     []step
	shapeWork int64 // integers made by shape computations
	visits    int64 // nodes and inputs visited: the reading's work, but for shapeWork
}

// readGraph reads the file's graph as a DAG of the zoo's operators, in a
// topological order ending with the step that computes the graph's
// output. The nodes that the output depends on are ordered first, with a
// guard against cycles through nodes of every kind; then each is read in
// that order: Identity, Dropout and a Pad of zeros pass their input on, shape
// computations (Shape, Gather, Unsqueeze, Squeeze, Cast, Concat,
// Constant) are evaluated under MaxShapeElements, and the operators of
// the zoo's blocks become steps, their shapes propagated from the input's
// (C, H, W).
func readGraph(g *onnxpb.Graph, input *onnxpb.ValueInfo, name string) ([]step, error) {
	return newReader(g, name).read(input)
}

func newReader(g *onnxpb.Graph, name string) *reader {
	return &reader{g: g, name: name, producer: make(map[string]int, len(g.Node)), values: map[string]*value{}}
}

// read is readGraph.
func (r *reader) read(input *onnxpb.ValueInfo) ([]step, error) {
	g, name := r.g, r.name
	defined := func(v string) bool { _, ok := r.values[v]; return ok }
	r.values[input.Name] = &value{kind: dataValue, step: graphInput, shape: []int64{input.Shape[1].Value, input.Shape[2].Value, input.Shape[3].Value}}
	for _, t := range g.Initializer {
		if t.Name == input.Name {
			continue // graphInput refused it
		}
		r.values[t.Name] = &value{kind: constValue, t: t}
	}
	for i, n := range g.Node {
		if n.Domain != "" && n.Domain != "ai.onnx" {
			return nil, errors.Errorf("%s: node %d (%s) is %s of domain %s, which the zoo does not read", name, i, n.Name, n.OpType, n.Domain)
		}
		for _, o := range n.Output {
			if o == "" {
				continue
			}
			if j, ok := r.producer[o]; ok || defined(o) {
				what := "the graph's input or an initializer"
				if ok {
					what = fmt.Sprintf("node %d", j)
				}
				return nil, errors.Errorf("%s: node %d (%s) computes %q, which %s defines too", name, i, n.Name, o, what)
			}
			r.producer[o] = i
		}
	}
	if len(g.Output) != 1 {
		return nil, errors.Errorf("%s: the graph has %d outputs, want 1 (the logits)", name, len(g.Output))
	}
	out := g.Output[0].Name
	order, err := r.order(out)
	if err != nil {
		return nil, err
	}
	for _, i := range order {
		if err := r.node(i); err != nil {
			return nil, err
		}
	}
	v := r.values[out]
	if v == nil || v.kind != dataValue || v.step == graphInput {
		return nil, errors.Errorf("%s: the graph's output %q is not computed from its input by operators of the zoo's blocks", name, out)
	}
	return normalize(r.reachable(v.step)), nil
}

// checkGraph checks the graph's size against the limits before anything
// is computed from it, and returns the elements its initializers and
// constants declare.
func checkGraph(g *onnxpb.Graph, name string) (int64, error) {
	if len(g.Node) > MaxNodes {
		return 0, errors.Errorf("%s: %d nodes, over the limit of %d (onnx.MaxNodes)", name, len(g.Node), MaxNodes)
	}
	total := int64(0)
	add := func(t *onnxpb.Tensor, where string) error {
		if t.Size() < 0 {
			return errors.Errorf("%s: %s %q has invalid dims %s", name, where, t.Name, dims(t.Dims, "x"))
		}
		if total += t.Size(); total > MaxWeightElements {
			return errors.Errorf("%s: the initializers and constants declare over %d elements (onnx.MaxWeightElements)", name, int64(MaxWeightElements))
		}
		if _, err := t.Elements(); err != nil {
			return errors.Wrapf(err, "%s: %s", name, where)
		}
		return nil
	}
	for _, t := range g.Initializer {
		if err := add(t, "initializer"); err != nil {
			return 0, err
		}
	}
	for _, n := range g.Node {
		if n.OpType != "Constant" {
			continue
		}
		if a, ok := n.Attr("value"); ok && a.T != nil {
			if err := add(a.T, "constant"); err != nil {
				return 0, err
			}
		}
	}
	return total, nil
}

// order returns the nodes that value out depends on, each after the
// nodes it takes values from. It fails on a value that nothing defines and
// on a cycle, whatever the kinds of its nodes. It takes time and memory in
// proportion to the nodes and their inputs.
func (r *reader) order(out string) ([]int, error) {
	const (
		unseen = iota
		open   // on the path being followed
		done
	)
	state := make([]uint8, len(r.g.Node))
	var order []int
	type frame struct{ node, next int }
	var path []frame
	// visit follows value v, input k of node by (by −1: the output).
	visit := func(v string, by, k int) error {
		r.visits++
		if _, ok := r.values[v]; ok || v == "" {
			return nil
		}
		i, ok := r.producer[v]
		if !ok {
			where := "the graph's output"
			if by >= 0 {
				where = fmt.Sprintf("input %d of node %d", k, by)
			}
			return errors.Errorf("%s: value %q (%s) is neither computed by a node, nor an initializer, nor the graph's input", r.name, v, where)
		}
		switch state[i] {
		case open:
			n := r.g.Node[i]
			return errors.Errorf("%s: the graph has a cycle through node %d (%s, %s)", r.name, i, n.Name, n.OpType)
		case unseen:
			state[i] = open
			path = append(path, frame{node: i})
		}
		return nil
	}
	if err := visit(out, -1, 0); err != nil {
		return nil, err
	}
	for len(path) > 0 {
		f := &path[len(path)-1]
		n := r.g.Node[f.node]
		if f.next < len(n.Input) {
			in := n.Input[f.next]
			f.next++
			if err := visit(in, f.node, f.next-1); err != nil {
				return nil, err
			}
			continue
		}
		state[f.node] = done
		order = append(order, f.node)
		path = path[:len(path)-1]
	}
	return order, nil
}

// reachable keeps the steps that step out depends on, out last.
func (r *reader) reachable(out int) []step {
	keep := make([]bool, len(r.steps))
	keep[out] = true
	for i := out; i >= 0; i-- {
		if keep[i] {
			for _, k := range r.steps[i].inputs {
				if k >= 0 {
					keep[k] = true
				}
			}
		}
	}
	dead := make([]bool, out+1)
	for i := range dead {
		dead[i] = !keep[i]
	}
	return compact(r.steps[:out+1], dead)
}

// node reads node i, whose inputs are read.
func (r *reader) node(i int) error {
	n := r.g.Node[i]
	r.visits += 1 + int64(len(n.Input))
	fail := func(format string, args ...any) error { return r.nodeError(i, format, args...) }
	// in is the value of input k; kind, if not 0, is the kind it must be.
	in := func(k int, kind valueKind) (*value, error) {
		if k >= len(n.Input) || n.Input[k] == "" {
			return nil, fail("no input %d", k)
		}
		v, ok := r.values[n.Input[k]]
		if !ok {
			return nil, fail("input %q is an output that the zoo does not read", n.Input[k])
		}
		if kind != 0 && v.kind != kind {
			return nil, fail("input %q is %s, want %s", n.Input[k], v.kind, kind)
		}
		return v, nil
	}
	// ints is input k as integers.
	ints := func(k int) ([]int64, error) {
		v, err := in(k, 0)
		if err != nil {
			return nil, err
		}
		return r.intsOf(v, i, k)
	}
	// set makes v the node's first output.
	set := func(v *value) error {
		if len(n.Output) == 0 || n.Output[0] == "" {
			return fail("no output")
		}
		r.values[n.Output[0]] = v
		return nil
	}
	// data adds s, applied to the node's data input x, making shape.
	data := func(s step, x *value, shape []int64) error {
		s.op, s.node, s.nodeOf = cmpOr(s.op, n.OpType), i, n.Name
		if s.inputs == nil {
			s.inputs = []int{x.step}
		}
		r.steps = append(r.steps, s)
		return set(&value{kind: dataValue, step: len(r.steps) - 1, shape: shape})
	}
	attrs := attrReader{n: n}
	switch n.OpType {
	case "Identity", "Dropout":
		v, err := in(0, 0)
		if err != nil {
			return err
		}
		if n.OpType == "Dropout" && len(n.Input) > 2 && n.Input[2] != "" {
			if on, err := ints(2); err != nil || len(on) != 1 || on[0] != 0 {
				return fail("training_mode is not a constant false: Dropout applied, not the identity")
			}
		}
		return set(v)
	case "Pad":
		// torch.onnx.export writes avg_pool2d as a Pad of zeros before
		// the AveragePool: the identity.
		v, err := in(0, dataValue)
		if err != nil {
			return err
		}
		pads, err := ints(1)
		if err != nil {
			return err
		}
		for _, p := range pads {
			if p != 0 {
				return fail("a Pad of [%s]: no zoo block pads but in its Conv", dims(pads, " "))
			}
		}
		return set(v)
	case "Constant":
		if a, ok := n.Attr("value"); ok && a.T != nil {
			return set(&value{kind: constValue, t: a.T})
		}
		if a, ok := n.Attr("value_ints"); ok {
			return set(&value{kind: intsValue, ints: a.Ints})
		}
		if a, ok := n.Attr("value_int"); ok {
			return set(&value{kind: intsValue, ints: []int64{a.I}})
		}
		return fail("a constant the zoo does not read")
	case "Shape", "Gather", "Unsqueeze", "Squeeze", "Cast", "Concat":
		v, err := r.shapeOp(n, i, in)
		if err != nil {
			return err
		}
		return set(&value{kind: intsValue, ints: v})
	}

	x, err := in(0, dataValue)
	if err != nil {
		if n.OpType == opAdd || n.OpType == "Sum" {
			x = nil // an Add may start with its bias
		} else {
			return err
		}
	}
	s := step{}
	// weights takes the tensors of inputs from..., in order; absent
	// optional inputs are nil.
	weights := func(from int) error {
		for k := from; k < len(n.Input); k++ {
			if n.Input[k] == "" {
				s.tensors = append(s.tensors, nil)
				continue
			}
			v, err := in(k, constValue)
			if err != nil {
				return err
			}
			s.tensors = append(s.tensors, v.t)
		}
		return nil
	}
	var shape []int64
	switch n.OpType {
	case opRelu, opTanh, opSigmoid:
		shape = x.shape
	case opConv:
		if err := weights(1); err != nil {
			return err
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
		if len(s.tensors) < 2 || s.tensors[1] == nil {
			s.tensors, s.noBias = append(s.tensors[:1], nil), true
		} else if b := s.tensors[1]; len(b.Dims) != 1 || b.Dims[0] != w[0] {
			return fail("a bias of shape (%s) for %d channels", dims(b.Dims, ", "), w[0])
		}
		if len(s.tensors) > 2 {
			return fail("%d inputs", len(n.Input))
		}
		s.shapes = [][]int64{w, {w[0]}}
		if attrs.err == nil {
			if len(x.shape) != 3 || x.shape[0] != w[1] {
				return fail("a weight for %d channels, applied to %s", w[1], shapeText(x.shape))
			}
			if !slices.Equal(s.kernel, w[2:]) {
				return fail("kernel_shape %s for a weight of %s", dims(s.kernel, "x"), dims(w[2:], "x"))
			}
			if shape, err = window(x.shape, w[0], s.kernel, s.stride, s.pads); err != nil {
				return fail("%v", err)
			}
		}
	case opMaxPool, opAveragePool:
		s.kernel = attrs.ints("kernel_shape")
		s.stride = attrs.ints("strides", 1, 1)
		s.pads = attrs.ints("pads", 0, 0, 0, 0)
		attrs.extraString(&s, "auto_pad", "NOTSET")
		attrs.extraInt(&s, "ceil_mode", 0)
		if n.OpType == opMaxPool {
			attrs.extraInts(&s, "dilations", 1, 1)
			attrs.extraInt(&s, "storage_order", 0)
			if len(n.Output) > 1 && n.Output[1] != "" {
				s.extra = append(s.extra, "with indices")
			}
		} else if !slices.Equal(s.pads, []int64{0, 0, 0, 0}) {
			// PyTorch's AvgPool2d counts the padding (count_include_pad).
			attrs.extraInt(&s, "count_include_pad", 1)
		}
		if attrs.err == nil {
			if len(x.shape) != 3 {
				return fail("a 2-D pooling of %s", shapeText(x.shape))
			}
			if shape, err = window(x.shape, x.shape[0], s.kernel, s.stride, s.pads); err != nil {
				return fail("%v", err)
			}
		}
	case opGlobalAvgPool:
		if len(x.shape) != 3 {
			return fail("a 2-D pooling of %s", shapeText(x.shape))
		}
		shape = []int64{x.shape[0], 1, 1}
	case opBatchNorm:
		if err := weights(1); err != nil {
			return err
		}
		if len(s.tensors) != 4 || s.tensors[0] == nil {
			return fail("%d parameters, want scale, bias, mean and variance", len(s.tensors))
		}
		c := s.tensors[0].Dims
		if len(c) != 1 {
			return fail("a scale of shape (%s)", dims(c, ", "))
		}
		s.eps = float64(attrs.float("epsilon", 1e-5))
		attrs.extraInt(&s, "training_mode", 0)
		for _, t := range s.tensors {
			if t == nil || len(t.Dims) != 1 || t.Dims[0] != c[0] {
				return fail("parameters of different shapes")
			}
			s.shapes = append(s.shapes, t.Dims)
		}
		if len(x.shape) < 1 || x.shape[0] != c[0] {
			return fail("statistics of %d channels for %s", c[0], shapeText(x.shape))
		}
		shape = x.shape
	case opFlatten:
		attrs.extraInt(&s, "axis", 1)
		if s.flat, err = product(x.shape); err != nil {
			return fail("%v", err)
		}
		shape = []int64{s.flat}
	case "Reshape":
		target, err := ints(1)
		if err != nil {
			return err
		}
		attrs.extraInt(&s, "allowzero", 0)
		k, err := product(x.shape)
		if err != nil {
			return fail("%v", err)
		}
		t := target
		if len(t) == 2 && (t[0] == batch || t[0] == 0 || t[0] == -1) && (t[1] == k || t[1] == -1) && !(t[0] == -1 && t[1] == -1) {
			s.op, s.flat = opFlatten, k // what view(N, -1) is
		} else {
			s.extra = append(s.extra, "to "+shapeText(t)+" of "+shapeText(x.shape))
		}
		shape = []int64{k}
	case opGemm:
		if err := weights(1); err != nil {
			return err
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
		if !isBias(s.tensors[1], w[0]) {
			return fail("a bias of shape (%s) for %d outputs", dims(s.tensors[1].Dims, ", "), w[0])
		}
		s.shapes = [][]int64{w, {w[0]}}
		if len(x.shape) != 1 || x.shape[0] != w[1] {
			return fail("a Linear from %d values, applied to %s", w[1], shapeText(x.shape))
		}
		shape = []int64{w[0]}
	case "MatMul":
		wv, err := in(1, constValue)
		if err != nil {
			return err
		}
		w := wv.t.Dims
		if len(w) != 2 || len(x.shape) != 1 || x.shape[0] != w[0] {
			return fail("a product by (%s) of %s, not a Linear's", dims(w, ", "), shapeText(x.shape))
		}
		return set(&value{kind: matmulValue, step: x.step, shape: x.shape, t: wv.t, node: i})
	case opAdd, "Sum":
		var vs []*value
		for k := range n.Input {
			v, err := in(k, 0)
			if err != nil {
				return err
			}
			vs = append(vs, v)
		}
		if len(vs) == 2 && vs[0].kind == constValue {
			vs[0], vs[1] = vs[1], vs[0]
		}
		if n.OpType == opAdd && len(vs) == 2 && vs[0].kind == matmulValue && vs[1].kind == constValue {
			// MatMul(x, W) + b, W (in, out) and b (out): a Linear.
			w, b := vs[0].t, vs[1].t
			if !isBias(b, w.Dims[1]) {
				return fail("a bias of shape (%s) for %d outputs", dims(b.Dims, ", "), w.Dims[1])
			}
			s.op, s.tensors, s.transposed = opGemm, []*onnxpb.Tensor{w, b}, true
			s.shapes = [][]int64{{w.Dims[1], w.Dims[0]}, {w.Dims[1]}}
			s.inputs = []int{vs[0].step}
			return data(s, vs[0], []int64{w.Dims[1]})
		}
		if len(vs) < 2 {
			return fail("%d inputs", len(vs))
		}
		for _, v := range vs {
			if v.kind != dataValue || !slices.Equal(v.shape, vs[0].shape) {
				return fail("an addition the zoo reads only as MatMul + bias (a Linear) or as a join of values of one shape")
			}
			s.inputs = append(s.inputs, v.step)
		}
		s.op, x, shape = opAdd, vs[0], vs[0].shape
	default:
		return fail("no zoo block computes %s", n.OpType)
	}
	if attrs.err != nil {
		return fail("%v", attrs.err)
	}
	return data(s, x, shape)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (k valueKind) String() string {
	switch k {
	case dataValue:
		return "computed from the input"
	case intsValue:
		return "a shape computation"
	case constValue:
		return "a constant"
	case matmulValue:
		return "a MatMul without its bias"
	}
	return "nothing"
}

// isBias reports whether t holds n values as a vector, (n) or (1, n).
func isBias(t *onnxpb.Tensor, n int64) bool {
	d := t.Dims
	return t.Size() == n && (len(d) == 1 || (len(d) == 2 && d[0] == 1))
}

// maxDim bounds the kernels, strides and pads the reader computes with.
const maxDim = 1 << 20

// window is the per-sample shape a 2-D convolution or pooling of
// channels outputs makes of in, (C, H, W).
func window(in []int64, channels int64, kernel, stride, pads []int64) ([]int64, error) {
	if len(kernel) != 2 || len(stride) != 2 || len(pads) != 4 {
		return nil, errors.Errorf("kernel %s, strides %s, pads %s: want 2, 2 and 4 values", dims(kernel, "x"), dims(stride, "x"), dims(pads, " "))
	}
	out := []int64{channels, 0, 0}
	for a := range 2 {
		k, s, p := kernel[a], stride[a], pads[a]+pads[a+2]
		if k < 1 || k > maxDim || s < 1 || s > maxDim || pads[a] < 0 || pads[a] > maxDim || pads[a+2] < 0 || pads[a+2] > maxDim {
			return nil, errors.Errorf("kernel %s, strides %s, pads %s: out of range", dims(kernel, "x"), dims(stride, "x"), dims(pads, " "))
		}
		if out[a+1] = (in[a+1]+p-k)/s + 1; in[a+1]+p < k {
			return nil, errors.Errorf("a %s kernel over %s", dims(kernel, "x"), shapeText(in))
		}
	}
	return out, nil
}

// product is the number of values of one sample's shape.
func product(v []int64) (int64, error) {
	n := int64(1)
	for _, d := range v {
		if d < 0 || (d > 0 && n > math.MaxInt64/d) {
			return 0, errors.Errorf("a shape %s of too many values", shapeText(v))
		}
		n *= d
	}
	return n, nil
}

// shapeText writes a shape, N for the batch, at most maxListed values.
func shapeText(v []int64) string {
	var b strings.Builder
	b.WriteString("(")
	for i, d := range v {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == maxListed {
			fmt.Fprintf(&b, "… (%d values)", len(v))
			break
		}
		if d == batch {
			b.WriteString("N")
		} else {
			fmt.Fprint(&b, d)
		}
	}
	b.WriteString(")")
	return b.String()
}

// charge counts n integers a shape computation makes before they are
// made, and fails past MaxShapeElements.
func (r *reader) charge(n int64, node int) error {
	if n < 0 || r.shapeWork+n > MaxShapeElements {
		return r.nodeError(node, "the shape computations make over %d integers (onnx.MaxShapeElements)", MaxShapeElements)
	}
	r.shapeWork += n
	return nil
}

// intsOf is v, input k of node, as integers: a shape computation's, or a
// constant's values, read once.
func (r *reader) intsOf(v *value, node, k int) ([]int64, error) {
	switch v.kind {
	case intsValue:
		return v.ints, nil
	case constValue:
		if v.ints == nil {
			if err := r.charge(max(v.t.Size(), 0), node); err != nil {
				return nil, err
			}
			ints, err := v.t.Int64s()
			if err != nil {
				return nil, r.nodeError(node, "input %d: %v", k, err)
			}
			v.ints = ints
		}
		return v.ints, nil
	}
	return nil, r.nodeError(node, "input %d is %s, not integers", k, v.kind)
}

// nodeError is an error at node i.
func (r *reader) nodeError(i int, format string, args ...any) error {
	n := r.g.Node[i]
	return errors.Errorf("%s: node %d (%s, %s): %s", r.name, i, n.Name, n.OpType, fmt.Sprintf(format, args...))
}

// shapeOp evaluates a shape computation on the batch size, whose element
// for the batch is the sentinel batch.
func (r *reader) shapeOp(n *onnxpb.Node, i int, in func(int, valueKind) (*value, error)) ([]int64, error) {
	fail := func(format string, args ...any) ([]int64, error) { return nil, r.nodeError(i, format, args...) }
	arg := func(k int) ([]int64, error) {
		v, err := in(k, 0)
		if err != nil {
			return nil, err
		}
		return r.intsOf(v, i, k)
	}
	switch n.OpType {
	case "Shape":
		v, err := in(0, 0)
		if err != nil {
			return nil, err
		}
		if _, ok := n.Attr("start"); ok {
			return fail("a Shape with start or end")
		}
		if _, ok := n.Attr("end"); ok {
			return fail("a Shape with start or end")
		}
		var d []int64
		switch v.kind {
		case dataValue:
			d = v.shape
		case constValue:
			d = v.t.Dims
		default:
			return fail("the shape of %s", v.kind)
		}
		if err := r.charge(int64(len(d))+1, i); err != nil {
			return nil, err
		}
		if v.kind == constValue {
			return append([]int64(nil), d...), nil
		}
		return append([]int64{batch}, d...), nil
	case "Gather":
		if a, ok := n.Attr("axis"); ok && a.I != 0 {
			return fail("axis %d", a.I)
		}
		v, err := arg(0)
		if err != nil {
			return nil, err
		}
		idx, err := arg(1)
		if err != nil {
			return nil, err
		}
		if err := r.charge(int64(len(idx)), i); err != nil {
			return nil, err
		}
		out := make([]int64, len(idx))
		for j, k := range idx {
			if k < 0 {
				k += int64(len(v))
			}
			if k < 0 || k >= int64(len(v)) {
				return fail("element %d of %d values", idx[j], len(v))
			}
			out[j] = v[k]
		}
		return out, nil
	case "Unsqueeze", "Squeeze", "Cast":
		return arg(0)
	case "Concat":
		parts := make([][]int64, len(n.Input))
		total := int64(0)
		for k := range n.Input {
			v, err := arg(k)
			if err != nil {
				return nil, err
			}
			parts[k], total = v, total+int64(len(v))
		}
		if err := r.charge(total, i); err != nil {
			return nil, err
		}
		out := make([]int64, 0, total)
		for _, p := range parts {
			out = append(out, p...)
		}
		return out, nil
	}
	return fail("not a shape computation") // not reached
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
	if v := a.ints(name, zoo...); !slices.Equal(v, zoo) {
		s.extra = append(s.extra, fmt.Sprintf("%s [%s]", name, dims(v, " ")))
	}
}

func (a *attrReader) extraString(s *step, name, zoo string) {
	if at := a.get(name, onnxpb.AttrString); at != nil && string(at.S) != zoo {
		s.extra = append(s.extra, fmt.Sprintf("%s %.32q", name, at.S))
	}
}
