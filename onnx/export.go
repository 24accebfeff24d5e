package onnx

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/internal/onnxpb"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// What the zoo's ONNX files are.
const (
	// Opset is the version of the default (ai.onnx) operator set.
	Opset = 13
	// IRVersion is the ONNX IR version written: 7, that of ONNX 1.8,
	// which introduced opset 13.
	IRVersion = 7
	// InputName and OutputName name the graph's input, images of shape
	// (N, C, H, W), and output, logits of shape (N, classes).
	InputName  = "input"
	OutputName = "logits"
	// BatchDim is the dim_param of the batch dimension of both.
	BatchDim = "N"
	// Producer is the model's producer_name; producer_version is the
	// exporting zoo's Version.
	Producer = "gorgonia-zoo"
)

// Marshal returns the model as an ONNX file's bytes (see Save).
func Marshal(m *zoo.Model, p zoo.Provenance) ([]byte, error) {
	pb, err := toONNX(m, p)
	if err != nil {
		return nil, err
	}
	return onnxpb.Marshal(pb), nil
}

// Save writes the model to w as an ONNX model: opset 13, the input
// "input" of shape (N, C, H, W) with the batch size N dynamic, images
// scaled as the zoo scales them (MNIST pixels over 255, in [0, 1]); the
// output "logits" of shape (N, classes); the weights as initializers named
// and shaped as PyTorch's state_dict; BatchNorm in inference form, with the
// running statistics. The metadata_props hold the zoo's metadata (see
// zoo.Model.Metadata): the model, its class and input, and p's dataset,
// configuration, command, test accuracy and the version of the zoo that
// trained it. It fails, naming the block, when the model has a block
// without an ONNX form (a node made with Gorgonia's own operations).
func Save(w io.Writer, m *zoo.Model, p zoo.Provenance) error {
	b, err := Marshal(m, p)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return errors.Wrapf(err, "writing %s as ONNX", m.Arch.Name)
}

// SaveFile is Save into a file, written atomically: a temporary file in
// the same folder, synced, then renamed over path.
func SaveFile(path string, m *zoo.Model, p zoo.Provenance) (err error) {
	b, err := Marshal(m, p)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return errors.Wrapf(err, "saving %s", m.Arch.Name)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(b); err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Close()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return errors.Wrapf(err, "saving %s to %s", m.Arch.Name, path)
}

// toONNX builds the ONNX model of m.
func toONNX(m *zoo.Model, p zoo.Provenance) (*onnxpb.Model, error) {
	ig, err := m.InferenceGraph(1)
	if err != nil {
		return nil, errors.Wrap(err, "exporting to ONNX")
	}
	steps, err := modelSteps(m, ig)
	if err != nil {
		return nil, errors.Wrap(err, "exporting to ONNX")
	}
	// The SHA-256 of a safetensors file's tensors does not describe the
	// initializers (num_batches_tracked is not among them).
	p.TensorsSHA256 = ""
	meta, err := m.Metadata(p)
	if err != nil {
		return nil, errors.Wrapf(err, "exporting %s to ONNX", m.Arch.Name)
	}
	in := m.Input
	g := &onnxpb.Graph{
		Name: m.Arch.Name,
		Input: []*onnxpb.ValueInfo{{
			Name: InputName, Tensor: true, ElemType: onnxpb.Float, HasShape: true,
			Shape:     []onnxpb.Dim{{Param: BatchDim}, {Value: int64(in.Channels)}, {Value: int64(in.Height)}, {Value: int64(in.Width)}},
			DocString: fmt.Sprintf("N images of %d×%d×%d float32 values, scaled as the zoo scales them: 8-bit pixels divided by 255, in [0, 1]", in.Channels, in.Height, in.Width),
		}},
		Output: []*onnxpb.ValueInfo{{
			Name: OutputName, Tensor: true, ElemType: onnxpb.Float, HasShape: true,
			Shape:     []onnxpb.Dim{{Param: BatchDim}, {Value: int64(in.Classes)}},
			DocString: fmt.Sprintf("the logits of the %d classes, before softmax", in.Classes),
		}},
	}
	outputs := make([]string, len(steps)) // the value each step computes
	valueOf := func(k int) string {
		if k == graphInput {
			return InputName
		}
		return outputs[k]
	}
	named := map[string]bool{}   // node names taken
	written := map[string]bool{} // initializers written (a shared parameter once)
	// add appends a node of op on inputs named after the block, and
	// returns the value it computes (the logits for the last step's last
	// node).
	add := func(s *step, op string, inputs []string, last bool) (*onnxpb.Node, string) {
		name := "/" + s.name + "/" + op
		for k := 1; named[name]; k++ {
			name = fmt.Sprintf("/%s/%s_%d", s.name, op, k)
		}
		named[name] = true
		out := name + "_output_0"
		if last {
			out = OutputName
		}
		node := &onnxpb.Node{Name: name, OpType: op, Input: inputs, Output: []string{out}}
		g.Node = append(g.Node, node)
		return node, out
	}
	for i := range steps {
		s := &steps[i]
		last := i == len(steps)-1
		if s.op == opAdd {
			// ONNX's Add takes two: x₁ + x₂ + … in the zoo's order.
			acc := valueOf(s.inputs[0])
			for j, k := range s.inputs[1:] {
				_, acc = add(s, opAdd, []string{acc, valueOf(k)}, last && j == len(s.inputs)-2)
			}
			outputs[i] = acc
			continue
		}
		inputs := []string{valueOf(s.inputs[0])}
		for _, prm := range s.params {
			inputs = append(inputs, prm.Name)
			if written[prm.Name] {
				continue
			}
			written[prm.Name] = true
			v, err := prm.TorchFloat32s()
			if err != nil {
				return nil, errors.Wrapf(err, "exporting %s to ONNX", m.Arch.Name)
			}
			dims := make([]int64, len(prm.TorchShape))
			for j, d := range prm.TorchShape {
				dims[j] = int64(d)
			}
			g.Initializer = append(g.Initializer, onnxpb.FloatTensor(prm.Name, dims, v))
		}
		node, out := add(s, s.op, inputs, last)
		outputs[i] = out
		switch s.op {
		case opGemm:
			node.Attribute = []*onnxpb.Attribute{floatAttr("alpha", 1), floatAttr("beta", 1), intAttr("transB", 1)}
		case opConv:
			node.Attribute = []*onnxpb.Attribute{
				intsAttr("dilations", 1, 1), intAttr("group", 1), intsAttr("kernel_shape", s.kernel...),
				intsAttr("pads", s.pads...), intsAttr("strides", s.stride...)}
		case opBatchNorm:
			// ONNX's momentum is 1 − PyTorch's; inference does not use it.
			node.Attribute = []*onnxpb.Attribute{floatAttr("epsilon", float32(s.eps)), floatAttr("momentum", 1-0.1)}
		case opMaxPool, opAveragePool:
			node.Attribute = []*onnxpb.Attribute{
				intAttr("ceil_mode", 0), intsAttr("kernel_shape", s.kernel...), intsAttr("pads", s.pads...), intsAttr("strides", s.stride...)}
			if s.op == opAveragePool && !slices.Equal(s.pads, []int64{0, 0, 0, 0}) {
				// PyTorch's AvgPool2d counts the padding.
				node.Attribute = append(node.Attribute, intAttr("count_include_pad", 1))
			}
		case opFlatten:
			node.Attribute = []*onnxpb.Attribute{intAttr("axis", 1)}
		}
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	props := make([]onnxpb.StringPair, len(keys))
	for i, k := range keys {
		props[i] = onnxpb.StringPair{Key: k, Value: meta[k]}
	}
	doc := m.Arch.Name
	if m.Arch.Description != "" {
		doc += ": " + m.Arch.Description
	}
	return &onnxpb.Model{
		IRVersion:       IRVersion,
		OpsetImport:     []onnxpb.OperatorSetID{{Version: Opset}},
		ProducerName:    Producer,
		ProducerVersion: zoo.Version(),
		DocString:       doc,
		Graph:           g,
		MetadataProps:   props,
	}, nil
}

func intAttr(name string, v int64) *onnxpb.Attribute {
	return &onnxpb.Attribute{Name: name, Type: onnxpb.AttrInt, I: v}
}

func intsAttr(name string, v ...int64) *onnxpb.Attribute {
	return &onnxpb.Attribute{Name: name, Type: onnxpb.AttrInts, Ints: v}
}

func floatAttr(name string, v float32) *onnxpb.Attribute {
	return &onnxpb.Attribute{Name: name, Type: onnxpb.AttrFloat, F: v}
}
