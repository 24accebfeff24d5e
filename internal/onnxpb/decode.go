package onnxpb

import (
	"math"
	"unsafe"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/encoding/protowire"
)

// What decoding may allocate: for an input of n bytes, Unmarshal
// allocates at most AllocPerByte·n + AllocSlack bytes (the decoded
// messages, their slices and copied strings; bytes fields share the
// input's memory). Every message's repeated fields are counted before
// anything is allocated for them, and the allocation is charged against
// that budget first, so that a file that would need more (millions of
// empty nodes, a packed varint for every byte) is refused before the
// memory is taken.
const (
	AllocPerByte = 2
	AllocSlack   = 16 << 20
)

// Unmarshal decodes ONNX's protobuf bytes (a .onnx file) into a model.
// Unknown fields are skipped; a field of a known number with another wire
// type, a truncated or overlong field, or a malformed varint is an error
// naming the message and field, and so is a file whose decoding would
// allocate more than AllocPerByte·len(b) + AllocSlack bytes.
func Unmarshal(b []byte) (*Model, error) {
	d := newDecoder(len(b))
	return d.model(b)
}

// decoder charges what it allocates against a budget.
type decoder struct {
	budget, used int64
	size         int
}

func newDecoder(size int) *decoder {
	return &decoder{budget: AllocPerByte*int64(size) + AllocSlack, size: size}
}

// take charges n bytes for message msg, or fails naming the budget.
func (d *decoder) take(n int64, msg string) error {
	if n < 0 || n > d.budget-d.used {
		return errors.Errorf("%s: decoding would allocate over %d bytes, the limit for a file of %d bytes (%d bytes per byte of it, plus %d MiB)", msg, d.budget, d.size, AllocPerByte, AllocSlack>>20)
	}
	d.used += n
	return nil
}

// Sizes of what decoding allocates; a message reached by pointer costs
// the pointer too.
const (
	ptrSize       = int64(unsafe.Sizeof(uintptr(0)))
	modelSize     = int64(unsafe.Sizeof(Model{}))
	graphSize     = int64(unsafe.Sizeof(Graph{}))
	nodeSize      = int64(unsafe.Sizeof(Node{})) + ptrSize
	attrSize      = int64(unsafe.Sizeof(Attribute{})) + ptrSize
	tensorSize    = int64(unsafe.Sizeof(Tensor{})) + ptrSize
	valueInfoSize = int64(unsafe.Sizeof(ValueInfo{})) + ptrSize
	stringSize    = int64(unsafe.Sizeof(""))
	bytesSize     = int64(unsafe.Sizeof([]byte(nil)))
	dimSize       = int64(unsafe.Sizeof(Dim{}))
	pairSize      = int64(unsafe.Sizeof(StringPair{}))
	opsetSize     = int64(unsafe.Sizeof(OperatorSetID{}))
)

// repeated says how a repeated field's elements are counted.
type repeated uint8

const (
	messages repeated = iota // messages, strings or bytes: one per occurrence
	varints                  // packed or one by one
	fixed32s
	fixed64s
)

type spec struct {
	num  protowire.Number
	kind repeated
}

// count returns how many elements each of the fields specs holds in the
// message b (at most six fields), reading only the tags and lengths.
func count(b []byte, msg string, specs ...spec) ([6]int64, error) {
	var c [6]int64
	it := fields{b: b, msg: msg}
	for f, ok := it.next(); ok; f, ok = it.next() {
		for i, s := range specs {
			if f.num != s.num {
				continue
			}
			switch {
			case f.typ != protowire.BytesType || s.kind == messages:
				c[i]++
			case s.kind == varints:
				for _, x := range f.b {
					if x < 0x80 {
						c[i]++
					}
				}
			case s.kind == fixed32s:
				c[i] += int64(len(f.b) / 4)
			case s.kind == fixed64s:
				c[i] += int64(len(f.b) / 8)
			}
		}
	}
	return c, it.err
}

func (d *decoder) model(b []byte) (*Model, error) {
	c, err := count(b, "ModelProto", spec{8, messages}, spec{14, messages})
	if err != nil {
		return nil, err
	}
	if err := d.take(modelSize+c[0]*opsetSize+c[1]*pairSize, "ModelProto"); err != nil {
		return nil, err
	}
	m := &Model{}
	m.OpsetImport = capped[OperatorSetID](c[0])
	m.MetadataProps = capped[StringPair](c[1])
	it := fields{b: b, msg: "ModelProto"}
	for f, ok := it.next(); ok && err == nil; f, ok = it.next() {
		switch f.num {
		case 1:
			m.IRVersion, err = f.int64()
		case 2:
			m.ProducerName, err = d.str(f)
		case 3:
			m.ProducerVersion, err = d.str(f)
		case 4:
			m.Domain, err = d.str(f)
		case 5:
			m.ModelVersion, err = f.int64()
		case 6:
			m.DocString, err = d.str(f)
		case 7:
			var sub []byte
			if sub, err = f.bytes(); err == nil {
				m.Graph, err = d.graph(sub)
			}
		case 8:
			var o OperatorSetID
			if o, err = d.opset(f); err == nil {
				m.OpsetImport = append(m.OpsetImport, o)
			}
		case 14:
			var p StringPair
			if p, err = d.pair(f); err == nil {
				m.MetadataProps = append(m.MetadataProps, p)
			}
		}
	}
	if err == nil {
		err = it.err
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (d *decoder) opset(f field) (OperatorSetID, error) {
	var o OperatorSetID
	b, err := f.bytes()
	if err != nil {
		return o, err
	}
	it := fields{b: b, msg: "OperatorSetIdProto"}
	for f, ok := it.next(); ok && err == nil; f, ok = it.next() {
		switch f.num {
		case 1:
			o.Domain, err = d.str(f)
		case 2:
			o.Version, err = f.int64()
		}
	}
	if err == nil {
		err = it.err
	}
	return o, err
}

func (d *decoder) pair(f field) (StringPair, error) {
	var p StringPair
	b, err := f.bytes()
	if err != nil {
		return p, err
	}
	it := fields{b: b, msg: "StringStringEntryProto"}
	for f, ok := it.next(); ok && err == nil; f, ok = it.next() {
		switch f.num {
		case 1:
			p.Key, err = d.str(f)
		case 2:
			p.Value, err = d.str(f)
		}
	}
	if err == nil {
		err = it.err
	}
	return p, err
}

func (d *decoder) graph(b []byte) (*Graph, error) {
	const msg = "GraphProto"
	c, err := count(b, msg, spec{1, messages}, spec{5, messages}, spec{11, messages}, spec{12, messages}, spec{13, messages})
	if err != nil {
		return nil, err
	}
	if err := d.take(graphSize+c[0]*nodeSize+c[1]*tensorSize+(c[2]+c[3]+c[4])*valueInfoSize, msg); err != nil {
		return nil, err
	}
	g := &Graph{}
	// The messages of each kind in one block, reached by pointers.
	nodes, inits := make([]Node, c[0]), make([]Tensor, c[1])
	infos := make([]ValueInfo, c[2]+c[3]+c[4])
	g.Node, g.Initializer = capped[*Node](c[0]), capped[*Tensor](c[1])
	g.Input, g.Output, g.ValueInfo = capped[*ValueInfo](c[2]), capped[*ValueInfo](c[3]), capped[*ValueInfo](c[4])
	it := fields{b: b, msg: msg}
	for f, ok := it.next(); ok && err == nil; f, ok = it.next() {
		var sub []byte
		switch f.num {
		case 1, 5, 11, 12, 13:
			if sub, err = f.bytes(); err != nil {
				return nil, err
			}
		}
		switch f.num {
		case 1:
			n := &nodes[len(g.Node)]
			g.Node = append(g.Node, n)
			err = d.node(sub, n)
		case 2:
			g.Name, err = d.str(f)
		case 5:
			t := &inits[len(g.Initializer)]
			g.Initializer = append(g.Initializer, t)
			err = d.tensor(sub, t)
		case 10:
			g.DocString, err = d.str(f)
		case 11, 12, 13:
			v := &infos[len(g.Input)+len(g.Output)+len(g.ValueInfo)]
			switch f.num {
			case 11:
				g.Input = append(g.Input, v)
			case 12:
				g.Output = append(g.Output, v)
			default:
				g.ValueInfo = append(g.ValueInfo, v)
			}
			err = d.valueInfo(sub, v)
		}
	}
	if err == nil {
		err = it.err
	}
	return g, err
}

func (d *decoder) node(b []byte, n *Node) error {
	const msg = "NodeProto"
	c, err := count(b, msg, spec{1, messages}, spec{2, messages}, spec{5, messages})
	if err != nil {
		return err
	}
	if err := d.take((c[0]+c[1])*stringSize+c[2]*attrSize, msg); err != nil {
		return err
	}
	n.Input = capped[string](c[0])
	n.Output = capped[string](c[1])
	var attrs []Attribute
	if c[2] > 0 {
		attrs, n.Attribute = make([]Attribute, c[2]), make([]*Attribute, 0, c[2])
	}
	it := fields{b: b, msg: msg}
	for f, ok := it.next(); ok && err == nil; f, ok = it.next() {
		var s string
		switch f.num {
		case 1:
			if s, err = d.str(f); err == nil {
				n.Input = append(n.Input, s)
			}
		case 2:
			if s, err = d.str(f); err == nil {
				n.Output = append(n.Output, s)
			}
		case 3:
			n.Name, err = d.str(f)
		case 4:
			n.OpType, err = d.str(f)
		case 5:
			var sub []byte
			if sub, err = f.bytes(); err == nil {
				a := &attrs[len(n.Attribute)]
				n.Attribute = append(n.Attribute, a)
				err = d.attribute(sub, a)
			}
		case 6:
			n.DocString, err = d.str(f)
		case 7:
			n.Domain, err = d.str(f)
		}
	}
	if err == nil {
		err = it.err
	}
	return err
}

func (d *decoder) attribute(b []byte, a *Attribute) error {
	const msg = "AttributeProto"
	c, err := count(b, msg, spec{7, fixed32s}, spec{8, varints}, spec{9, messages})
	if err != nil {
		return err
	}
	if err := d.take(4*c[0]+8*c[1]+bytesSize*c[2], msg); err != nil {
		return err
	}
	a.Floats = capped[float32](c[0])
	a.Ints = capped[int64](c[1])
	a.Strings = capped[[]byte](c[2])
	it := fields{b: b, msg: msg}
	for f, ok := it.next(); ok && err == nil; f, ok = it.next() {
		switch f.num {
		case 1:
			a.Name, err = d.str(f)
		case 2:
			var v uint32
			if v, err = f.fixed32(); err == nil {
				a.F = math.Float32frombits(v)
			}
		case 3:
			a.I, err = f.int64()
		case 4:
			a.S, err = f.bytes()
		case 5:
			var sub []byte
			if sub, err = f.bytes(); err == nil {
				if err = d.take(tensorSize, msg); err == nil {
					a.T = &Tensor{}
					err = d.tensor(sub, a.T)
				}
			}
		case 7:
			a.Floats, err = f.appendFloat32s(a.Floats)
		case 8:
			a.Ints, err = appendVarints(f, a.Ints)
		case 9:
			var s []byte
			if s, err = f.bytes(); err == nil {
				a.Strings = append(a.Strings, s)
			}
		case 13:
			a.DocString, err = d.str(f)
		case 20:
			var v int64
			v, err = f.int64()
			a.Type = AttributeType(v)
		}
	}
	if err == nil {
		err = it.err
	}
	return err
}

func (d *decoder) valueInfo(b []byte, v *ValueInfo) error {
	it := fields{b: b, msg: "ValueInfoProto"}
	var err error
	for f, ok := it.next(); ok && err == nil; f, ok = it.next() {
		switch f.num {
		case 1:
			v.Name, err = d.str(f)
		case 3:
			v.DocString, err = d.str(f)
		case 2:
			var typ []byte
			if typ, err = f.bytes(); err == nil {
				err = d.typeProto(typ, v)
			}
		}
	}
	if err == nil {
		err = it.err
	}
	return err
}

// typeProto reads a TypeProto's tensor_type into v.
func (d *decoder) typeProto(b []byte, v *ValueInfo) error {
	it := fields{b: b, msg: "TypeProto"}
	var err error
	for f, ok := it.next(); ok && err == nil; f, ok = it.next() {
		if f.num != 1 {
			continue
		}
		var tt []byte
		if tt, err = f.bytes(); err != nil {
			return err
		}
		v.Tensor = true
		in := fields{b: tt, msg: "TypeProto.Tensor"}
		for f, ok := in.next(); ok && err == nil; f, ok = in.next() {
			switch f.num {
			case 1:
				var e int64
				e, err = f.int64()
				v.ElemType = int32(e)
			case 2:
				var shape []byte
				if shape, err = f.bytes(); err == nil {
					v.HasShape = true
					v.Shape, err = d.shape(shape)
				}
			}
		}
		if err == nil {
			err = in.err
		}
	}
	if err == nil {
		err = it.err
	}
	return err
}

func (d *decoder) shape(b []byte) ([]Dim, error) {
	const msg = "TensorShapeProto"
	c, err := count(b, msg, spec{1, messages})
	if err != nil {
		return nil, err
	}
	if err := d.take(c[0]*dimSize, msg); err != nil {
		return nil, err
	}
	dims := capped[Dim](c[0])
	it := fields{b: b, msg: msg}
	for f, ok := it.next(); ok && err == nil; f, ok = it.next() {
		if f.num != 1 {
			continue
		}
		var db []byte
		if db, err = f.bytes(); err != nil {
			return nil, err
		}
		dim := Dim{Value: -1}
		in := fields{b: db, msg: "TensorShapeProto.Dimension"}
		for f, ok := in.next(); ok && err == nil; f, ok = in.next() {
			switch f.num {
			case 1:
				dim.Value, err = f.int64()
			case 2:
				dim.Param, err = d.str(f)
			}
		}
		if err == nil {
			err = in.err
		}
		dims = append(dims, dim)
	}
	if err == nil {
		err = it.err
	}
	return dims, err
}

func (d *decoder) tensor(b []byte, t *Tensor) error {
	const msg = "TensorProto"
	c, err := count(b, msg, spec{1, varints}, spec{4, fixed32s}, spec{5, varints}, spec{7, varints}, spec{10, fixed64s}, spec{13, messages})
	if err != nil {
		return err
	}
	if err := d.take(8*c[0]+4*c[1]+4*c[2]+8*c[3]+8*c[4]+pairSize*c[5], msg); err != nil {
		return err
	}
	t.Dims = capped[int64](c[0])
	t.FloatData = capped[float32](c[1])
	t.Int32Data = capped[int32](c[2])
	t.Int64Data = capped[int64](c[3])
	t.DoubleData = capped[float64](c[4])
	t.ExternalData = capped[StringPair](c[5])
	it := fields{b: b, msg: msg}
	for f, ok := it.next(); ok && err == nil; f, ok = it.next() {
		switch f.num {
		case 1:
			t.Dims, err = appendVarints(f, t.Dims)
		case 2:
			var v int64
			v, err = f.int64()
			t.DataType = int32(v)
		case 4:
			t.FloatData, err = f.appendFloat32s(t.FloatData)
		case 5:
			t.Int32Data, err = appendVarints(f, t.Int32Data)
		case 7:
			t.Int64Data, err = appendVarints(f, t.Int64Data)
		case 8:
			t.Name, err = d.str(f)
		case 9:
			t.RawData, err = f.bytes()
		case 10:
			t.DoubleData, err = f.appendFloat64s(t.DoubleData)
		case 12:
			t.DocString, err = d.str(f)
		case 13:
			var p StringPair
			if p, err = d.pair(f); err == nil {
				t.ExternalData = append(t.ExternalData, p)
			}
		case 14:
			var v int64
			v, err = f.int64()
			t.DataLocation = int32(v)
		}
	}
	if err == nil {
		err = it.err
	}
	return err
}

// capped is an empty slice with room for n elements, nil for none (as
// a message without the field decodes).
func capped[T any](n int64) []T {
	if n == 0 {
		return nil
	}
	return make([]T, 0, n)
}

// str copies a string field, charging its bytes.
func (d *decoder) str(f field) (string, error) {
	b, err := f.bytes()
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return "", nil
	}
	if err := d.take(int64(len(b)), f.msg); err != nil {
		return "", err
	}
	return string(b), nil
}

// field is one decoded field: its number and wire type, and its value
// (x for varint and fixed types, b for bytes, which share the input's
// memory).
type field struct {
	msg string
	num protowire.Number
	typ protowire.Type
	x   uint64
	b   []byte
}

// fields iterates over the fields of a message without allocating; err
// holds what stopped it early.
type fields struct {
	b   []byte
	msg string
	err error
}

func (it *fields) next() (field, bool) {
	if len(it.b) == 0 || it.err != nil {
		return field{}, false
	}
	num, typ, n := protowire.ConsumeTag(it.b)
	if n < 0 {
		it.err = errors.Wrapf(protowire.ParseError(n), "%s: bad field tag", it.msg)
		return field{}, false
	}
	b := it.b[n:]
	fd := field{msg: it.msg, num: num, typ: typ}
	switch typ {
	case protowire.VarintType:
		fd.x, n = protowire.ConsumeVarint(b)
	case protowire.Fixed32Type:
		var v uint32
		v, n = protowire.ConsumeFixed32(b)
		fd.x = uint64(v)
	case protowire.Fixed64Type:
		fd.x, n = protowire.ConsumeFixed64(b)
	case protowire.BytesType:
		fd.b, n = protowire.ConsumeBytes(b)
	default:
		n = protowire.ConsumeFieldValue(num, typ, b)
	}
	if n < 0 {
		it.err = errors.Wrapf(protowire.ParseError(n), "%s field %d", it.msg, num)
		return field{}, false
	}
	it.b = b[n:]
	return fd, true
}

func (f field) wrongType(want string) error {
	return errors.Errorf("%s field %d: wire type %d, want %s", f.msg, f.num, f.typ, want)
}

func (f field) int64() (int64, error) {
	if f.typ != protowire.VarintType {
		return 0, f.wrongType("varint")
	}
	return int64(f.x), nil
}

func (f field) fixed32() (uint32, error) {
	if f.typ != protowire.Fixed32Type {
		return 0, f.wrongType("fixed32")
	}
	return uint32(f.x), nil
}

func (f field) bytes() ([]byte, error) {
	if f.typ != protowire.BytesType {
		return nil, f.wrongType("bytes")
	}
	return f.b, nil
}

// appendVarints reads a repeated varint field (int64 or int32), packed
// or not.
func appendVarints[T int32 | int64](f field, dst []T) ([]T, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, T(f.x)), nil
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, errors.Wrapf(protowire.ParseError(n), "%s field %d", f.msg, f.num)
			}
			dst = append(dst, T(v))
			b = b[n:]
		}
		return dst, nil
	}
	return nil, f.wrongType("varint or packed varints")
}

// appendFloat32s reads a repeated float field, packed or not.
func (f field) appendFloat32s(dst []float32) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(f.x))), nil
	case protowire.BytesType:
		if len(f.b)%4 != 0 {
			return nil, errors.Errorf("%s field %d: %d bytes of packed floats", f.msg, f.num, len(f.b))
		}
		for i := 0; i < len(f.b); i += 4 {
			v, _ := protowire.ConsumeFixed32(f.b[i:])
			dst = append(dst, math.Float32frombits(v))
		}
		return dst, nil
	}
	return nil, f.wrongType("fixed32 or packed fixed32s")
}

// appendFloat64s reads a repeated double field, packed or not.
func (f field) appendFloat64s(dst []float64) ([]float64, error) {
	switch f.typ {
	case protowire.Fixed64Type:
		return append(dst, math.Float64frombits(f.x)), nil
	case protowire.BytesType:
		if len(f.b)%8 != 0 {
			return nil, errors.Errorf("%s field %d: %d bytes of packed doubles", f.msg, f.num, len(f.b))
		}
		for i := 0; i < len(f.b); i += 8 {
			v, _ := protowire.ConsumeFixed64(f.b[i:])
			dst = append(dst, math.Float64frombits(v))
		}
		return dst, nil
	}
	return nil, f.wrongType("fixed64 or packed fixed64s")
}
