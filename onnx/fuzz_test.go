package onnx

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/internal/onnxpb"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// fuzzOps are the operators the structural fuzzer draws nodes from: the
// zoo's, the shape computations', the skipped ones, and one it does not
// know.
var fuzzOps = []string{"Identity", "Dropout", "Relu", "Tanh", "Sigmoid", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool",
	"BatchNormalization", "Flatten", "Reshape", "Gemm", "MatMul", "Add", "Sum", "Shape", "Gather", "Unsqueeze", "Squeeze",
	"Concat", "Constant", "Cast", "Pad", "Foo"}

// draws hands out the fuzzer's bytes, zeros once they are used up.
type draws struct{ b []byte }

func (d *draws) next() int {
	if len(d.b) == 0 {
		return 0
	}
	v := int(d.b[0])
	d.b = d.b[1:]
	return v
}

// small is a dimension, kernel or index: mostly small, sometimes 0 or
// negative.
func (d *draws) small() int64 { return int64(d.next()%12) - 2 }

// fuzzGraph makes a graph from the fuzzer's bytes: up to 24 nodes of
// fuzzOps, each taking values drawn from the input, any node's output
// (its own or a later one's: cycles), constants of drawn shapes, or
// nothing, with drawn kernels, strides, pads and axes; the graph's output
// is the last node's.
func fuzzGraph(b []byte) *onnxpb.Graph {
	d := &draws{b}
	n := 1 + d.next()%24
	g := &onnxpb.Graph{Input: []*onnxpb.ValueInfo{images(1+int64(d.next()%3), 1+int64(d.next()%30), 1+int64(d.next()%30))}}
	for c := range 4 {
		dims := make([]int64, d.next()%5)
		size := int64(1)
		for k := range dims {
			dims[k] = int64(d.next() % 9)
			size *= dims[k]
		}
		if d.next()%4 == 0 {
			size++ // data that does not fit the dims
		}
		if c == 3 {
			vals := make([]int64, size)
			for k := range vals {
				vals[k] = d.small()
			}
			g.Initializer = append(g.Initializer, onnxpb.Int64Tensor(fmt.Sprint("c", c), dims, vals))
			continue
		}
		g.Initializer = append(g.Initializer, onnxpb.FloatTensor(fmt.Sprint("c", c), dims, make([]float32, size)))
	}
	// value is an input of node i: mostly the graph's input or an earlier
	// node's output (a DAG), sometimes its own or a later one's (a cycle),
	// a constant, or nothing.
	value := func(i int) string {
		switch k := d.next() % (i + 7); {
		case k == 0:
			return InputName
		case k <= i:
			return fmt.Sprint("v", k-1)
		case k == i+1:
			return fmt.Sprint("v", i+d.next()%(n-i))
		case k <= i+5:
			return fmt.Sprint("c", k-i-2)
		}
		return ""
	}
	for i := range n {
		op := fuzzOps[d.next()%len(fuzzOps)]
		ins := make([]string, 1+d.next()%3)
		for k := range ins {
			ins[k] = value(i)
		}
		node := nd(op, ins, fmt.Sprint("v", i))
		if flags := d.next(); flags != 0 {
			if flags&1 != 0 {
				node.Attribute = append(node.Attribute, intsAttr("kernel_shape", d.small(), d.small()))
			}
			if flags&2 != 0 {
				node.Attribute = append(node.Attribute, intsAttr("strides", d.small(), d.small()))
			}
			if flags&4 != 0 {
				node.Attribute = append(node.Attribute, intsAttr("pads", d.small(), d.small(), d.small(), d.small()))
			}
			if flags&8 != 0 {
				node.Attribute = append(node.Attribute, intAttr("axis", d.small()))
			}
			if flags&16 != 0 {
				node.Attribute = append(node.Attribute, intAttr("transB", d.small()))
			}
			if flags&32 != 0 && op == "Constant" {
				node.Attribute = append(node.Attribute, &onnxpb.Attribute{Name: "value", Type: onnxpb.AttrTensor, T: g.Initializer[d.next()%4]})
			}
		}
		g.Node = append(g.Node, node)
	}
	out := logitsOf(2 + int64(d.next()%10))
	out.Name = fmt.Sprint("v", n-1)
	g.Output = []*onnxpb.ValueInfo{out}
	return g
}

// mutated is a real graph (a torch.onnx.export of cnn3 with its
// BatchNorms) changed by the fuzzer's bytes: up to 8 changes of a node's
// input (to any value: cycles too), its operator, an attribute's values,
// or the node removed.
func mutated(real *onnxpb.Graph, b []byte) *onnxpb.Graph {
	d := &draws{b}
	g := *real
	g.Node = make([]*onnxpb.Node, len(real.Node))
	for i, n := range real.Node {
		c := *n
		c.Input = append([]string(nil), n.Input...)
		c.Attribute = append([]*onnxpb.Attribute(nil), n.Attribute...)
		g.Node[i] = &c
	}
	for range d.next() % 9 {
		if len(g.Node) == 0 {
			break
		}
		n := g.Node[d.next()%len(g.Node)]
		switch d.next() % 4 {
		case 0:
			if len(n.Input) > 0 {
				other := g.Node[d.next()%len(g.Node)]
				v := InputName
				if len(other.Output) > 0 && d.next()%4 != 0 {
					v = other.Output[0]
				}
				n.Input[d.next()%len(n.Input)] = v
			}
		case 1:
			n.OpType = fuzzOps[d.next()%len(fuzzOps)]
		case 2:
			if len(n.Attribute) > 0 {
				k := d.next() % len(n.Attribute)
				a := *n.Attribute[k]
				a.Ints = []int64{d.small(), d.small(), d.small(), d.small()}[:d.next()%5]
				a.I, a.F = d.small(), float32(d.small())
				n.Attribute[k] = &a
			}
		case 3:
			k := d.next() % len(g.Node)
			g.Node = append(g.Node[:k:k], g.Node[k+1:]...)
		}
	}
	return &g
}

// FuzzReadGraph reads graphs made from the fuzzer's bytes (fuzzGraph, or
// a real graph mutated, when the first byte is odd),
// encoded and decoded as files are, and matches them against model1 and
// cnn3: never a panic, every error one line, the work in proportion to
// the nodes and their inputs and the shape computations within
// MaxShapeElements, and the steps read in a topological order.
func FuzzReadGraph(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 0, 27, 27, 1, 4, 28, 28, 0, 0, 0, 0, 10, 1, 0, 12, 1, 1, 0, 4, 1, 2, 0})
	f.Add([]byte{5, 1, 6, 6, 2, 3, 3, 3, 0, 1, 2, 2, 2, 1, 1, 1, 1, 0, 5, 2, 0, 1, 7, 4, 1, 2, 3})
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 0, 0, 1, 1, 0})
	var models []*zoo.Model
	var graphs []*zoo.Graph
	for _, name := range []string{"model1", "cnn3"} {
		a, _ := zoo.Lookup(name)
		m, err := zoo.New(a, zoo.MNISTInput, 0)
		if err != nil {
			f.Fatal(err)
		}
		g, err := m.InferenceGraph(1)
		if err != nil {
			f.Fatal(err)
		}
		models, graphs = append(models, m), append(graphs, g)
	}
	oneLine := func(t *testing.T, err error) {
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("an error of several lines: %q", err)
		}
	}
	real, err := os.ReadFile("testdata/torch/cnn3-bn.onnx")
	if err != nil {
		f.Fatal(err)
	}
	torch, err := onnxpb.Unmarshal(real)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{1, 2, 0, 3, 1, 9, 0})
	f.Add([]byte{3, 3, 5, 1, 4, 7, 2, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var g *onnxpb.Graph
		if len(b) > 0 && b[0]%2 == 1 {
			g = mutated(torch.Graph, b[1:])
		} else {
			g = fuzzGraph(b)
		}
		file, err := onnxpb.Unmarshal(fileOf(g))
		if err != nil {
			t.Fatalf("decoding an encoded graph: %v", err)
		}
		in, err := imagesInput(file.Graph, "f.onnx")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := checkGraph(file.Graph, "f.onnx"); err != nil {
			oneLine(t, err)
			return
		}
		r := newReader(file.Graph, "f.onnx")
		steps, err := r.read(in)
		oneLine(t, err)
		checkWork(t, r)
		if err != nil {
			return
		}
		for i, s := range steps {
			for _, k := range s.inputs {
				if k >= i {
					t.Fatalf("step %d (%s) takes step %d: not in a topological order", i, s.op, k)
				}
			}
		}
		for i, m := range models {
			_, err := fit(m, graphs[i], &fileGraph{input: in, steps: steps}, "f.onnx")
			oneLine(t, err)
		}
	})
}
