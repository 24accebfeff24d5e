// Package onnxpb encodes and decodes the part of ONNX's protobuf messages
// (onnx.proto, IR version 7 and later) that the zoo's models need: a model
// with its opsets and metadata, one graph of nodes with attributes,
// initializers, inputs and outputs typed as tensors. Fields it does not
// know are skipped when decoding; subgraphs, sparse tensors, training
// information and functions are among them.
//
// It is written by hand on protowire (google.golang.org/protobuf), because
// the Go package that holds generated ONNX types, onnx-go's ir, is internal
// to onnx-go and cannot be imported. Decoding reads untrusted bytes: every
// length is checked against the input; bytes fields (raw_data) share the
// input's memory; each message's repeated fields are counted before
// anything is allocated for them, and the whole decoding allocates at most
// AllocPerByte bytes per byte of the input plus AllocSlack, else it is
// refused before the allocation (an empty NodeProto takes 2 bytes of a
// file and about 150 of memory, a packed varint 1 byte and 8). Tensors are
// checked against their dims when their values are read (Tensor.Float32s,
// Tensor.Int64s), which allocates at most twice the bytes that hold them.
package onnxpb

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/pkg/errors"
)

// Tensor element types (TensorProto.DataType) the zoo reads or writes.
const (
	Float  int32 = 1
	Int32  int32 = 6
	Int64  int32 = 7
	Double int32 = 11
)

// AttributeType is AttributeProto.AttributeType.
type AttributeType int32

// The attribute types this package decodes values of; others keep their
// type and no value.
const (
	AttrFloat   AttributeType = 1
	AttrInt     AttributeType = 2
	AttrString  AttributeType = 3
	AttrTensor  AttributeType = 4
	AttrFloats  AttributeType = 6
	AttrInts    AttributeType = 7
	AttrStrings AttributeType = 8
)

func (t AttributeType) String() string {
	switch t {
	case AttrFloat:
		return "FLOAT"
	case AttrInt:
		return "INT"
	case AttrString:
		return "STRING"
	case AttrTensor:
		return "TENSOR"
	case 5:
		return "GRAPH"
	case AttrFloats:
		return "FLOATS"
	case AttrInts:
		return "INTS"
	case AttrStrings:
		return "STRINGS"
	}
	return "type " + strconv.Itoa(int(t))
}

// Model is ModelProto.
type Model struct {
	IRVersion       int64           // 1
	OpsetImport     []OperatorSetID // 8
	ProducerName    string          // 2
	ProducerVersion string          // 3
	Domain          string          // 4
	ModelVersion    int64           // 5
	DocString       string          // 6
	Graph           *Graph          // 7
	MetadataProps   []StringPair    // 14
}

// OperatorSetID is OperatorSetIdProto: "" is the default domain, ai.onnx.
type OperatorSetID struct {
	Domain  string // 1
	Version int64  // 2
}

// StringPair is StringStringEntryProto.
type StringPair struct {
	Key, Value string // 1, 2
}

// Graph is GraphProto.
type Graph struct {
	Node        []*Node      // 1
	Name        string       // 2
	Initializer []*Tensor    // 5
	DocString   string       // 10
	Input       []*ValueInfo // 11
	Output      []*ValueInfo // 12
	ValueInfo   []*ValueInfo // 13
}

// Node is NodeProto.
type Node struct {
	Input     []string     // 1
	Output    []string     // 2
	Name      string       // 3
	OpType    string       // 4
	Domain    string       // 7
	Attribute []*Attribute // 5
	DocString string       // 6
}

// Attribute is AttributeProto. The field of its Type is always encoded,
// zero or not, as ONNX's checker wants exactly one value field.
type Attribute struct {
	Name      string        // 1
	Type      AttributeType // 20
	F         float32       // 2
	I         int64         // 3
	S         []byte        // 4
	T         *Tensor       // 5
	Floats    []float32     // 7
	Ints      []int64       // 8
	Strings   [][]byte      // 9
	DocString string        // 13
}

// ValueInfo is ValueInfoProto for a tensor: its name, element type and
// shape (TypeProto.Tensor). Tensor is false for another kind of type or
// none.
type ValueInfo struct {
	Name      string // 1
	DocString string // 3
	Tensor    bool   // a TypeProto with tensor_type
	ElemType  int32
	HasShape  bool
	Shape     []Dim
}

// Dim is one TensorShapeProto.Dimension: a size, a name (dim_param, for a
// size known at run time only), or neither (Value −1, Param "").
type Dim struct {
	Value int64
	Param string
}

// Tensor is TensorProto. Values are in RawData (little-endian) or in the
// typed field of DataType.
type Tensor struct {
	Dims         []int64      // 1
	DataType     int32        // 2
	Name         string       // 8
	DocString    string       // 12
	RawData      []byte       // 9
	FloatData    []float32    // 4
	Int32Data    []int32      // 5
	Int64Data    []int64      // 7
	DoubleData   []float64    // 10
	ExternalData []StringPair // 13
	DataLocation int32        // 14: 1 is EXTERNAL
}

// Size is the number of elements the dims call for, or −1 when a dim is
// negative or the product overflows.
func (t *Tensor) Size() int64 {
	n := int64(1)
	for _, d := range t.Dims {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) {
			return -1
		}
		n *= d
	}
	return n
}

func (t *Tensor) check(dtype int32, what string) (int64, error) {
	if t.DataLocation == 1 || len(t.ExternalData) > 0 {
		return 0, errors.Errorf("tensor %q: its data is in an external file, which is not supported", t.Name)
	}
	if t.DataType != dtype {
		return 0, errors.Errorf("tensor %q holds data type %d, want %s", t.Name, t.DataType, what)
	}
	n := t.Size()
	if n < 0 {
		return 0, errors.Errorf("tensor %q has invalid dims %v", t.Name, t.Dims)
	}
	return n, nil
}

// Elements checks that the tensor's data is as long as its dims call for,
// without reading it, and returns the number of elements. A tensor of
// another element type than FLOAT, DOUBLE, INT32 or INT64 is checked for
// its dims only.
func (t *Tensor) Elements() (int64, error) {
	n := t.Size()
	if n < 0 {
		return 0, errors.Errorf("tensor %q has invalid dims %v", t.Name, t.Dims)
	}
	if t.DataLocation == 1 || len(t.ExternalData) > 0 {
		return 0, errors.Errorf("tensor %q: its data is in an external file, which is not supported", t.Name)
	}
	var width, typed int64
	switch t.DataType {
	case Float:
		width, typed = 4, int64(len(t.FloatData))
	case Int32:
		width, typed = 4, int64(len(t.Int32Data))
	case Int64:
		width, typed = 8, int64(len(t.Int64Data))
	case Double:
		width, typed = 8, int64(len(t.DoubleData))
	default:
		return n, nil
	}
	if len(t.RawData) > 0 {
		if int64(len(t.RawData)) != width*n {
			return 0, errors.Errorf("tensor %q: %d bytes of data for dims %v", t.Name, len(t.RawData), t.Dims)
		}
	} else if typed != n {
		return 0, errors.Errorf("tensor %q: %d values for dims %v", t.Name, typed, t.Dims)
	}
	return n, nil
}

// Float32s returns the values of a FLOAT tensor, checked against its dims.
func (t *Tensor) Float32s() ([]float32, error) {
	n, err := t.check(Float, "FLOAT")
	if err != nil {
		return nil, err
	}
	if len(t.RawData) > 0 {
		if int64(len(t.RawData)) != 4*n {
			return nil, errors.Errorf("tensor %q: %d bytes of data for dims %v", t.Name, len(t.RawData), t.Dims)
		}
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.RawData[4*i:]))
		}
		return out, nil
	}
	if int64(len(t.FloatData)) != n {
		return nil, errors.Errorf("tensor %q: %d values for dims %v", t.Name, len(t.FloatData), t.Dims)
	}
	return append([]float32(nil), t.FloatData...), nil
}

// Int64s returns the values of an INT64 (or INT32) tensor, checked against
// its dims.
func (t *Tensor) Int64s() ([]int64, error) {
	if t.DataType == Int32 {
		n, err := t.check(Int32, "INT32")
		if err != nil {
			return nil, err
		}
		if len(t.RawData) > 0 {
			if int64(len(t.RawData)) != 4*n {
				return nil, errors.Errorf("tensor %q: %d bytes of data for dims %v", t.Name, len(t.RawData), t.Dims)
			}
			out := make([]int64, n)
			for i := range out {
				out[i] = int64(int32(binary.LittleEndian.Uint32(t.RawData[4*i:])))
			}
			return out, nil
		}
		if int64(len(t.Int32Data)) != n {
			return nil, errors.Errorf("tensor %q: %d values for dims %v", t.Name, len(t.Int32Data), t.Dims)
		}
		out := make([]int64, n)
		for i, v := range t.Int32Data {
			out[i] = int64(v)
		}
		return out, nil
	}
	n, err := t.check(Int64, "INT64")
	if err != nil {
		return nil, err
	}
	if len(t.RawData) > 0 {
		if int64(len(t.RawData)) != 8*n {
			return nil, errors.Errorf("tensor %q: %d bytes of data for dims %v", t.Name, len(t.RawData), t.Dims)
		}
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(t.RawData[8*i:]))
		}
		return out, nil
	}
	if int64(len(t.Int64Data)) != n {
		return nil, errors.Errorf("tensor %q: %d values for dims %v", t.Name, len(t.Int64Data), t.Dims)
	}
	return append([]int64(nil), t.Int64Data...), nil
}

// FloatTensor makes a FLOAT tensor with its values in RawData.
func FloatTensor(name string, dims []int64, values []float32) *Tensor {
	raw := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return &Tensor{Name: name, Dims: dims, DataType: Float, RawData: raw}
}

// Int64Tensor makes an INT64 tensor with its values in RawData.
func Int64Tensor(name string, dims []int64, values []int64) *Tensor {
	raw := make([]byte, 8*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	return &Tensor{Name: name, Dims: dims, DataType: Int64, RawData: raw}
}

// Attr finds a node's attribute by name.
func (n *Node) Attr(name string) (*Attribute, bool) {
	for _, a := range n.Attribute {
		if a.Name == name {
			return a, true
		}
	}
	return nil, false
}
