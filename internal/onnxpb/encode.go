package onnxpb

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Marshal encodes the model as ONNX's protobuf bytes (a .onnx file).
func Marshal(m *Model) []byte {
	var e enc
	e.varint(1, uint64(m.IRVersion))
	e.str(2, m.ProducerName)
	e.str(3, m.ProducerVersion)
	e.str(4, m.Domain)
	if m.ModelVersion != 0 {
		e.varint(5, uint64(m.ModelVersion))
	}
	e.str(6, m.DocString)
	if m.Graph != nil {
		e.msg(7, encodeGraph(m.Graph))
	}
	for _, o := range m.OpsetImport {
		var s enc
		s.str(1, o.Domain)
		s.varint(2, uint64(o.Version))
		e.msg(8, s)
	}
	for _, p := range m.MetadataProps {
		e.msg(14, encodePair(p))
	}
	return e
}

func encodePair(p StringPair) enc {
	var s enc
	s.str(1, p.Key)
	s.str(2, p.Value)
	return s
}

func encodeGraph(g *Graph) enc {
	var e enc
	for _, n := range g.Node {
		e.msg(1, encodeNode(n))
	}
	e.str(2, g.Name)
	for _, t := range g.Initializer {
		e.msg(5, encodeTensor(t))
	}
	e.str(10, g.DocString)
	for _, v := range g.Input {
		e.msg(11, encodeValueInfo(v))
	}
	for _, v := range g.Output {
		e.msg(12, encodeValueInfo(v))
	}
	for _, v := range g.ValueInfo {
		e.msg(13, encodeValueInfo(v))
	}
	return e
}

func encodeNode(n *Node) enc {
	var e enc
	for _, s := range n.Input {
		e.strAlways(1, s)
	}
	for _, s := range n.Output {
		e.strAlways(2, s)
	}
	e.str(3, n.Name)
	e.str(4, n.OpType)
	for _, a := range n.Attribute {
		e.msg(5, encodeAttribute(a))
	}
	e.str(6, n.DocString)
	e.str(7, n.Domain)
	return e
}

func encodeAttribute(a *Attribute) enc {
	var e enc
	e.str(1, a.Name)
	switch a.Type {
	case AttrFloat:
		e = protowire.AppendTag(e, 2, protowire.Fixed32Type)
		e = protowire.AppendFixed32(e, math.Float32bits(a.F))
	case AttrInt:
		e.varint(3, uint64(a.I))
	case AttrString:
		e = protowire.AppendTag(e, 4, protowire.BytesType)
		e = protowire.AppendBytes(e, a.S)
	case AttrTensor:
		if a.T != nil {
			e.msg(5, encodeTensor(a.T))
		}
	case AttrFloats:
		var p enc
		for _, f := range a.Floats {
			p = protowire.AppendFixed32(p, math.Float32bits(f))
		}
		e.msg(7, p)
	case AttrInts:
		e.packedInt64s(8, a.Ints)
	case AttrStrings:
		for _, s := range a.Strings {
			e = protowire.AppendTag(e, 9, protowire.BytesType)
			e = protowire.AppendBytes(e, s)
		}
	}
	e.str(13, a.DocString)
	e.varint(20, uint64(a.Type))
	return e
}

func encodeValueInfo(v *ValueInfo) enc {
	var e enc
	e.str(1, v.Name)
	if v.Tensor {
		var tt enc
		tt.varint(1, uint64(v.ElemType))
		if v.HasShape {
			var shape enc
			for _, d := range v.Shape {
				var dim enc
				switch {
				case d.Param != "":
					dim.str(2, d.Param)
				case d.Value >= 0:
					dim.varint(1, uint64(d.Value))
				}
				shape.msg(1, dim)
			}
			tt.msg(2, shape)
		}
		var typ enc
		typ.msg(1, tt)
		e.msg(2, typ)
	}
	e.str(3, v.DocString)
	return e
}

func encodeTensor(t *Tensor) enc {
	var e enc
	e.packedInt64s(1, t.Dims)
	e.varint(2, uint64(t.DataType))
	if len(t.FloatData) > 0 {
		var p enc
		for _, f := range t.FloatData {
			p = protowire.AppendFixed32(p, math.Float32bits(f))
		}
		e.msg(4, p)
	}
	if len(t.Int32Data) > 0 {
		var p enc
		for _, v := range t.Int32Data {
			p = protowire.AppendVarint(p, uint64(int64(v)))
		}
		e.msg(5, p)
	}
	if len(t.Int64Data) > 0 {
		e.packedInt64s(7, t.Int64Data)
	}
	e.str(8, t.Name)
	if len(t.RawData) > 0 {
		e = protowire.AppendTag(e, 9, protowire.BytesType)
		e = protowire.AppendBytes(e, t.RawData)
	}
	if len(t.DoubleData) > 0 {
		var p enc
		for _, f := range t.DoubleData {
			p = protowire.AppendFixed64(p, math.Float64bits(f))
		}
		e.msg(10, p)
	}
	e.str(12, t.DocString)
	for _, p := range t.ExternalData {
		e.msg(13, encodePair(p))
	}
	if t.DataLocation != 0 {
		e.varint(14, uint64(t.DataLocation))
	}
	return e
}

// enc is a message being encoded.
type enc []byte

func (e *enc) varint(num protowire.Number, v uint64) {
	*e = protowire.AppendTag(*e, num, protowire.VarintType)
	*e = protowire.AppendVarint(*e, v)
}

// str writes a string field unless it is empty (an absent optional field).
func (e *enc) str(num protowire.Number, s string) {
	if s != "" {
		e.strAlways(num, s)
	}
}

// strAlways writes a string field, empty or not (repeated fields: an empty
// node input is an omitted optional input).
func (e *enc) strAlways(num protowire.Number, s string) {
	*e = protowire.AppendTag(*e, num, protowire.BytesType)
	*e = protowire.AppendString(*e, s)
}

func (e *enc) msg(num protowire.Number, m []byte) {
	*e = protowire.AppendTag(*e, num, protowire.BytesType)
	*e = protowire.AppendBytes(*e, m)
}

func (e *enc) packedInt64s(num protowire.Number, vs []int64) {
	if len(vs) == 0 {
		return
	}
	var p []byte
	for _, v := range vs {
		p = protowire.AppendVarint(p, uint64(v))
	}
	e.msg(num, p)
}
