package onnxpb

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// torchFile is a fixture written by torch.onnx.export (bench/torch_onnx_export.py).
const torchFile = "../../onnx/testdata/torch/cnn3-bn.onnx"

func TestUnmarshalReadsTorchExport(t *testing.T) {
	b, err := os.ReadFile(torchFile)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.IRVersion != 7 || m.ProducerName != "pytorch" || len(m.OpsetImport) != 1 || m.OpsetImport[0].Version != 13 {
		t.Errorf("ir %d, producer %q, opsets %v", m.IRVersion, m.ProducerName, m.OpsetImport)
	}
	var ops []string
	for _, n := range m.Graph.Node {
		ops = append(ops, n.OpType)
	}
	want := "Conv BatchNormalization Relu MaxPool Conv BatchNormalization Relu MaxPool Shape Constant Gather Constant Unsqueeze Constant Concat Reshape Gemm"
	if got := strings.Join(ops, " "); got != want {
		t.Errorf("ops %s, want %s", got, want)
	}
	in := m.Graph.Input[0]
	if in.Name != "input" || !in.Tensor || in.ElemType != Float || !reflect.DeepEqual(in.Shape, []Dim{{Value: -1, Param: "N"}, {Value: 1}, {Value: 28}, {Value: 28}}) {
		t.Errorf("input %+v", in)
	}
	conv := m.Graph.Node[0]
	if a, ok := conv.Attr("kernel_shape"); !ok || a.Type != AttrInts || !reflect.DeepEqual(a.Ints, []int64{5, 5}) {
		t.Errorf("kernel_shape %+v", a)
	}
	if a, ok := m.Graph.Node[1].Attr("epsilon"); !ok || a.Type != AttrFloat || a.F != 1e-5 {
		t.Errorf("epsilon %+v", a)
	}
	w := m.Graph.Initializer[0]
	v, err := w.Float32s()
	if w.Name != "layer1.0.weight" || !reflect.DeepEqual(w.Dims, []int64{16, 1, 5, 5}) || err != nil || len(v) != 400 {
		t.Errorf("initializer %s %v: %d values, %v", w.Name, w.Dims, len(v), err)
	}
	// Encoding what was decoded and decoding it again gives the same model.
	again, err := Unmarshal(Marshal(m))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, m) {
		t.Error("decode(encode(m)) differs from m")
	}
}

func TestRoundTrip(t *testing.T) {
	m := &Model{
		IRVersion: 7, ProducerName: "zoo", ProducerVersion: "v1", ModelVersion: 3, DocString: "doc",
		OpsetImport:   []OperatorSetID{{Version: 13}},
		MetadataProps: []StringPair{{"model", "cnn2"}, {"empty", ""}},
		Graph: &Graph{
			Name: "g",
			Node: []*Node{{
				Input: []string{"x", "", "w"}, Output: []string{"y"}, Name: "n", OpType: "Conv", Domain: "",
				Attribute: []*Attribute{
					{Name: "f", Type: AttrFloat, F: 0}, {Name: "i", Type: AttrInt, I: -1},
					{Name: "s", Type: AttrString, S: []byte("abc")}, {Name: "ints", Type: AttrInts, Ints: []int64{1, -2, 3}},
					{Name: "floats", Type: AttrFloats, Floats: []float32{0.5, -1}},
					{Name: "t", Type: AttrTensor, T: Int64Tensor("", []int64{2}, []int64{-1, 784})},
					{Name: "strs", Type: AttrStrings, Strings: [][]byte{[]byte("a"), []byte("b")}},
				},
			}},
			Initializer: []*Tensor{
				FloatTensor("w", []int64{2, 3}, []float32{1, 2, 3, 4, 5, 6}),
				{Name: "typed", Dims: []int64{2}, DataType: Float, FloatData: []float32{7, 8}},
				{Name: "i32", Dims: []int64{2}, DataType: Int32, Int32Data: []int32{-3, 4}},
			},
			Input:  []*ValueInfo{{Name: "x", Tensor: true, ElemType: Float, HasShape: true, Shape: []Dim{{Value: -1, Param: "N"}, {Value: 0}, {Value: -1}}}},
			Output: []*ValueInfo{{Name: "y", Tensor: true, ElemType: Float}},
		},
	}
	got, err := Unmarshal(Marshal(m))
	if err != nil {
		t.Fatal(err)
	}
	// Empty metadata values survive; the empty optional fields do not exist.
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got.Graph, m.Graph)
	}
	for _, tc := range []struct {
		tensor *Tensor
		want   []int64
	}{
		{m.Graph.Initializer[2], []int64{-3, 4}},
		{m.Graph.Node[0].Attribute[5].T, []int64{-1, 784}},
	} {
		if v, err := tc.tensor.Int64s(); err != nil || !reflect.DeepEqual(v, tc.want) {
			t.Errorf("Int64s of %s: %v, %v", tc.tensor.Name, v, err)
		}
	}
	if v, err := m.Graph.Initializer[1].Float32s(); err != nil || !reflect.DeepEqual(v, []float32{7, 8}) {
		t.Errorf("typed floats %v %v", v, err)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated tag", []byte{0x80}, "bad field tag"},
		{"truncated graph", []byte{0x3a, 0x05, 0x0a}, "ModelProto field 7"},
		{"wrong wire type", []byte{0x0d, 0, 0, 0, 0}, "ModelProto field 1: wire type 5, want varint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Unmarshal(tc.data)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		tensor *Tensor
		want   string
	}{
		{&Tensor{Name: "a", DataType: Float, Dims: []int64{3}, RawData: make([]byte, 8)}, "8 bytes of data for dims [3]"},
		{&Tensor{Name: "b", DataType: Int64, Dims: []int64{2}}, "want FLOAT"},
		{&Tensor{Name: "c", DataType: Float, Dims: []int64{-1}}, "invalid dims"},
		{&Tensor{Name: "d", DataType: Float, Dims: []int64{1 << 40, 1 << 40}}, "invalid dims"},
		{&Tensor{Name: "e", DataType: Float, DataLocation: 1}, "external file"},
		{&Tensor{Name: "f", DataType: Float, Dims: []int64{2}, FloatData: []float32{1}}, "1 values for dims [2]"},
	} {
		if _, err := tc.tensor.Float32s(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Float32s of %s: %v, want %q", tc.tensor.Name, err, tc.want)
		}
	}
}

// FuzzUnmarshal feeds bytes near a real file to the decoder: it may fail,
// but not panic (what it allocates is TestDecodingStaysWithinItsBudget's).
func FuzzUnmarshal(f *testing.F) {
	b, err := os.ReadFile("../../onnx/testdata/torch/model1.onnx")
	if err != nil {
		f.Fatal(err)
	}
	m, err := Unmarshal(b)
	if err != nil {
		f.Fatal(err)
	}
	m.Graph.Initializer = nil // small seeds
	f.Add(Marshal(m))
	f.Add([]byte{0x08, 0x07})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Unmarshal(data)
		if err != nil {
			return
		}
		if m.Graph != nil {
			for _, t := range m.Graph.Initializer {
				t.Float32s()
				t.Int64s()
			}
		}
		if _, err := Unmarshal(Marshal(m)); err != nil {
			t.Fatalf("re-encoding a decoded model: %v", err)
		}
	})
}
