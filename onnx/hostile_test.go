package onnx

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/internal/onnxpb"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// Files for the tests, made here: a graph of nodes over an input of
// images and an output of logits.

func images(c, h, w int64) *onnxpb.ValueInfo {
	return &onnxpb.ValueInfo{Name: InputName, Tensor: true, ElemType: onnxpb.Float, HasShape: true,
		Shape: []onnxpb.Dim{{Param: BatchDim}, {Value: c}, {Value: h}, {Value: w}}}
}

func logitsOf(classes int64) *onnxpb.ValueInfo {
	return &onnxpb.ValueInfo{Name: OutputName, Tensor: true, ElemType: onnxpb.Float, HasShape: true,
		Shape: []onnxpb.Dim{{Param: BatchDim}, {Value: classes}}}
}

func nd(op string, ins []string, out string, attrs ...*onnxpb.Attribute) *onnxpb.Node {
	return &onnxpb.Node{Name: "/" + out + "/" + op, OpType: op, Input: ins, Output: []string{out}, Attribute: attrs}
}

func zeros(name string, dims ...int64) *onnxpb.Tensor {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	return onnxpb.FloatTensor(name, dims, make([]float32, n))
}

func fileOf(g *onnxpb.Graph) []byte {
	if g.Input == nil {
		g.Input = []*onnxpb.ValueInfo{images(1, 28, 28)}
	}
	if g.Output == nil {
		g.Output = []*onnxpb.ValueInfo{logitsOf(10)}
	}
	return onnxpb.Marshal(&onnxpb.Model{IRVersion: IRVersion, OpsetImport: []onnxpb.OperatorSetID{{Version: Opset}}, Graph: g})
}

// mlp is model1's graph (Flatten, Linear 784→100, ReLU, Linear 100→10)
// with the last node's input and the nodes before it given.
func mlp(before []*onnxpb.Node, last string, inits ...*onnxpb.Tensor) *onnxpb.Graph {
	nodes := append([]*onnxpb.Node{
		nd("Flatten", []string{InputName}, "flat", intAttr("axis", 1)),
		nd("Gemm", []string{"flat", "lin1.weight", "lin1.bias"}, "h", intAttr("transB", 1)),
		nd("Relu", []string{"h"}, "r"),
	}, before...)
	nodes = append(nodes, nd("Gemm", []string{last, "lin2.weight", "lin2.bias"}, OutputName, intAttr("transB", 1)))
	return &onnxpb.Graph{Node: nodes, Initializer: append([]*onnxpb.Tensor{
		zeros("lin1.weight", 100, 784), zeros("lin1.bias", 100), zeros("lin2.weight", 10, 100), zeros("lin2.bias", 10)}, inits...)}
}

// concatLevels doubles a shape `levels` times: Concat(s, s), from the
// shape of the input.
func concatLevels(levels int) *onnxpb.Graph {
	nodes := []*onnxpb.Node{nd("Shape", []string{InputName}, "s0")}
	for i := range levels {
		nodes = append(nodes, nd("Concat", []string{fmt.Sprint("s", i), fmt.Sprint("s", i)}, fmt.Sprint("s", i+1), intAttr("axis", 0)))
	}
	nodes = append(nodes, nd("Reshape", []string{InputName, fmt.Sprint("s", levels)}, "flat"),
		nd("Gemm", []string{"flat", "w", "b"}, OutputName, intAttr("transB", 1)))
	return &onnxpb.Graph{Node: nodes, Initializer: []*onnxpb.Tensor{zeros("w", 10, 784), zeros("b", 10)}}
}

func ints(name string, v ...int64) *onnxpb.Tensor {
	return onnxpb.Int64Tensor(name, []int64{int64(len(v))}, v)
}

// hostileGraph is a file's graph, refused with an error containing want
// when loaded into model (Open: any model, if empty).
type hostileGraph struct {
	name  string
	g     *onnxpb.Graph
	want  string
	model string
}

// hostileGraphs are the graphs of issue 27 and their kin: each must be
// refused with one line containing want.
func hostileGraphs() []hostileGraph {
	many := make([]int64, 1<<16)
	for i := range many {
		many[i] = 1
	}
	many[0], many[1] = -1, 784
	huge := make([]int64, 1<<20)
	bigKernel := make([]int64, 1<<20)
	tooMany := make([]*onnxpb.Node, MaxNodes+1)
	for i := range tooMany {
		tooMany[i] = nd("Identity", []string{InputName}, fmt.Sprint("i", i))
	}
	scalarBias := mlp(nil, "r")
	scalarBias.Initializer[3] = &onnxpb.Tensor{Name: "lin2.bias", DataType: onnxpb.Float, RawData: make([]byte, 4)}
	emptyBias := mlp(nil, "r")
	emptyBias.Initializer[3] = zeros("lin2.bias", 0)
	wrongData := mlp(nil, "r")
	wrongData.Initializer[3] = &onnxpb.Tensor{Name: "lin2.bias", Dims: []int64{10}, DataType: onnxpb.Float, RawData: make([]byte, 12)}
	negative := mlp(nil, "r")
	negative.Initializer[3] = &onnxpb.Tensor{Name: "lin2.bias", Dims: []int64{-10}, DataType: onnxpb.Float}
	bigOut := mlp(nil, "r")
	bigOut.Output = []*onnxpb.ValueInfo{logitsOf(1 << 40)}
	bigIn := mlp(nil, "r")
	bigIn.Input = []*onnxpb.ValueInfo{images(1, 46341, 46341)}
	dupe := mlp([]*onnxpb.Node{nd("Relu", []string{"h"}, "r")}, "r")
	declared := mlp(nil, "r", &onnxpb.Tensor{Name: "unused", Dims: []int64{1 << 14, 1 << 14}, DataType: onnxpb.Float})
	return []hostileGraph{
		{"Identity feeding itself", mlp([]*onnxpb.Node{nd("Identity", []string{"loop"}, "loop")}, "loop"), "the graph has a cycle through node 3 (/loop/Identity, Identity)", ""},
		{"Dropout and Identity in a cycle", mlp([]*onnxpb.Node{nd("Dropout", []string{"b"}, "a"), nd("Identity", []string{"a"}, "b")}, "b"), "the graph has a cycle", ""},
		{"Relu feeding itself", mlp([]*onnxpb.Node{nd("Relu", []string{"loop"}, "loop")}, "loop"), "the graph has a cycle", ""},
		{"a cycle through the output", &onnxpb.Graph{Node: []*onnxpb.Node{nd("Identity", []string{OutputName}, OutputName)}}, "the graph has a cycle", ""},
		{"Gemm with a scalar bias", scalarBias, "a bias of shape () for 10 outputs", ""},
		{"Gemm with an empty bias", emptyBias, "a bias of shape (0) for 10 outputs", ""},
		{"a bias of 3 floats for 10", wrongData, `x.onnx: initializer: tensor "lin2.bias": 12 bytes of data for dims [10]`, ""},
		{"negative dims", negative, `initializer "lin2.bias" has invalid dims -10`, ""},
		{"an output of 2^40 classes", bigOut, "declares 1099511627776 classes, over the limit of 65536 (onnx.MaxClasses)", ""},
		{"an input of 1x46341x46341", bigIn, "declares images of over 16777216 values (onnx.MaxImageValues)", ""},
		{"declared weights without data", declared, "declare over 67108864 elements (onnx.MaxWeightElements)", ""},
		{"more nodes than MaxNodes", &onnxpb.Graph{Node: tooMany}, "16385 nodes, over the limit of 16384 (onnx.MaxNodes)", ""},
		{"Concat doubling the shape 30 times", concatLevels(30), "the shape computations make over 65536 integers (onnx.MaxShapeElements)", ""},
		{"a Reshape to 2^16 values", mlp([]*onnxpb.Node{nd("Reshape", []string{"r", "many"}, "flat2")}, "flat2", ints("many", many...)), "found Reshape, to (-1, 784, 1, 1, 1, 1, 1, 1, … (65536 values)) of (100)", "model1"},
		{"a Reshape to 2^20 values", mlp([]*onnxpb.Node{nd("Reshape", []string{"r", "huge"}, "flat2")}, "flat2", ints("huge", huge...)), "(onnx.MaxShapeElements)", ""},
		{"a kernel of 2^20 values", &onnxpb.Graph{Node: []*onnxpb.Node{nd("MaxPool", []string{InputName}, OutputName, intsAttr("kernel_shape", bigKernel...))}}, "kernel 0x0x0x0x0x0x0x0x… (1048576 values), strides 1x1, pads 0 0 0 0: want 2, 2 and 4 values", ""},
		{"pads of 2^40", &onnxpb.Graph{Node: []*onnxpb.Node{nd("MaxPool", []string{InputName}, OutputName, intsAttr("kernel_shape", 2, 2), intsAttr("pads", 1<<40, 0, 0, 0))}}, "out of range", ""},
		{"a value nothing defines", mlp(nil, "nowhere"), `value "nowhere" (input 0 of node 3) is neither computed by a node`, ""},
		{"two nodes computing one value", dupe, `computes "r", which node 2 defines too`, ""},
		{"Gather out of range", mlp([]*onnxpb.Node{nd("Shape", []string{"r"}, "s"), nd("Gather", []string{"s", "k"}, "g"), nd("Reshape", []string{"r", "g"}, "f2")}, "f2", ints("k", 7)), "element 7 of 2 values", ""},
		{"a 3-D Conv weight", &onnxpb.Graph{Node: []*onnxpb.Node{nd("Conv", []string{InputName, "w"}, OutputName)}, Initializer: []*onnxpb.Tensor{zeros("w", 1, 5, 5)}}, "the weight is not 4-D", ""},
		{"Dropout in training mode", mlp([]*onnxpb.Node{nd("Dropout", []string{"r", "", "on"}, "d")}, "d", &onnxpb.Tensor{Name: "on", DataType: onnxpb.Int64, RawData: []byte{1, 0, 0, 0, 0, 0, 0, 0}}), "training_mode is not a constant false", ""},
		{"an unknown operator", mlp([]*onnxpb.Node{nd("Foo", []string{"r"}, "x")}, "x"), "no zoo block computes Foo", ""},
	}
}

// TestHostileGraphsAreRefused opens each hostile graph (Open, which tries
// every registered model): one line naming what is wrong, no panic, no
// hang. Reading each costs work in proportion to its nodes and inputs,
// and its shape computations make at most MaxShapeElements integers
// (counted, not timed: the graphs that hung or grew without bound before
// now stop there).
func TestHostileGraphsAreRefused(t *testing.T) {
	for _, tc := range hostileGraphs() {
		t.Run(tc.name, func(t *testing.T) {
			data := fileOf(tc.g)
			var err error
			if tc.model == "" {
				_, _, err = OpenBytes(data, "x.onnx")
			} else {
				a, _ := zoo.Lookup(tc.model)
				m, _ := zoo.New(a, zoo.MNISTInput, 0)
				err = LoadBytes(m, data, "x.onnx")
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") || len(err.Error()) > 600 {
				t.Fatalf("error %v\nwant one line with %q", err, tc.want)
			}
			t.Log(err)
			f, err := onnxpb.Unmarshal(data)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := checkGraph(f.Graph, "x.onnx"); err != nil {
				return // refused before the graph is read
			}
			in, err := imagesInput(f.Graph, "x.onnx")
			if err != nil {
				return
			}
			r := newReader(f.Graph, "x.onnx")
			r.read(in)
			checkWork(t, r)
		})
	}
}

// checkWork fails the test if reading a graph took more work than twice
// its nodes and inputs, or its shape computations made more integers
// than MaxShapeElements.
func checkWork(t *testing.T, r *reader) {
	t.Helper()
	edges := int64(0)
	for _, n := range r.g.Node {
		edges += int64(len(n.Input))
	}
	if limit := 2 * (int64(len(r.g.Node)) + edges + 1); r.visits > limit {
		t.Fatalf("%d nodes and inputs visited, over %d", r.visits, limit)
	}
	if r.shapeWork > MaxShapeElements {
		t.Fatalf("%d shape integers made", r.shapeWork)
	}
}
