package onnxpb

import (
	"math"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/encoding/protowire"
)

// Unmarshal decodes ONNX's protobuf bytes (a .onnx file) into a model.
// Unknown fields are skipped; a field of a known number with another wire
// type, a truncated or overlong field, or a malformed varint is an error
// naming the message and field.
func Unmarshal(b []byte) (*Model, error) {
	m := &Model{}
	err := walk(b, "ModelProto", func(f field) error {
		var err error
		switch f.num {
		case 1:
			m.IRVersion, err = f.int64()
		case 2:
			m.ProducerName, err = f.str()
		case 3:
			m.ProducerVersion, err = f.str()
		case 4:
			m.Domain, err = f.str()
		case 5:
			m.ModelVersion, err = f.int64()
		case 6:
			m.DocString, err = f.str()
		case 7:
			var b []byte
			if b, err = f.bytes(); err == nil {
				m.Graph, err = decodeGraph(b)
			}
		case 8:
			var b []byte
			if b, err = f.bytes(); err == nil {
				var o OperatorSetID
				err = walk(b, "OperatorSetIdProto", func(f field) error {
					var err error
					switch f.num {
					case 1:
						o.Domain, err = f.str()
					case 2:
						o.Version, err = f.int64()
					}
					return err
				})
				m.OpsetImport = append(m.OpsetImport, o)
			}
		case 14:
			var p StringPair
			if p, err = decodePair(f); err == nil {
				m.MetadataProps = append(m.MetadataProps, p)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func decodePair(f field) (StringPair, error) {
	var p StringPair
	b, err := f.bytes()
	if err != nil {
		return p, err
	}
	err = walk(b, "StringStringEntryProto", func(f field) error {
		var err error
		switch f.num {
		case 1:
			p.Key, err = f.str()
		case 2:
			p.Value, err = f.str()
		}
		return err
	})
	return p, err
}

func decodeGraph(b []byte) (*Graph, error) {
	g := &Graph{}
	err := walk(b, "GraphProto", func(f field) error {
		var err error
		var sub []byte
		switch f.num {
		case 1, 5, 11, 12, 13:
			if sub, err = f.bytes(); err != nil {
				return err
			}
		}
		switch f.num {
		case 1:
			var n *Node
			if n, err = decodeNode(sub); err == nil {
				g.Node = append(g.Node, n)
			}
		case 2:
			g.Name, err = f.str()
		case 5:
			var t *Tensor
			if t, err = decodeTensor(sub); err == nil {
				g.Initializer = append(g.Initializer, t)
			}
		case 10:
			g.DocString, err = f.str()
		case 11, 12, 13:
			var v *ValueInfo
			if v, err = decodeValueInfo(sub); err == nil {
				switch f.num {
				case 11:
					g.Input = append(g.Input, v)
				case 12:
					g.Output = append(g.Output, v)
				default:
					g.ValueInfo = append(g.ValueInfo, v)
				}
			}
		}
		return err
	})
	return g, err
}

func decodeNode(b []byte) (*Node, error) {
	n := &Node{}
	err := walk(b, "NodeProto", func(f field) error {
		var err error
		var s string
		switch f.num {
		case 1:
			if s, err = f.str(); err == nil {
				n.Input = append(n.Input, s)
			}
		case 2:
			if s, err = f.str(); err == nil {
				n.Output = append(n.Output, s)
			}
		case 3:
			n.Name, err = f.str()
		case 4:
			n.OpType, err = f.str()
		case 5:
			var sub []byte
			if sub, err = f.bytes(); err == nil {
				var a *Attribute
				if a, err = decodeAttribute(sub); err == nil {
					n.Attribute = append(n.Attribute, a)
				}
			}
		case 6:
			n.DocString, err = f.str()
		case 7:
			n.Domain, err = f.str()
		}
		return err
	})
	return n, err
}

func decodeAttribute(b []byte) (*Attribute, error) {
	a := &Attribute{}
	err := walk(b, "AttributeProto", func(f field) error {
		var err error
		switch f.num {
		case 1:
			a.Name, err = f.str()
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
				a.T, err = decodeTensor(sub)
			}
		case 7:
			a.Floats, err = f.appendFloat32s(a.Floats)
		case 8:
			a.Ints, err = f.appendInt64s(a.Ints)
		case 9:
			var s []byte
			if s, err = f.bytes(); err == nil {
				a.Strings = append(a.Strings, s)
			}
		case 13:
			a.DocString, err = f.str()
		case 20:
			var v int64
			v, err = f.int64()
			a.Type = AttributeType(v)
		}
		return err
	})
	return a, err
}

func decodeValueInfo(b []byte) (*ValueInfo, error) {
	v := &ValueInfo{}
	err := walk(b, "ValueInfoProto", func(f field) error {
		var err error
		switch f.num {
		case 1:
			v.Name, err = f.str()
		case 3:
			v.DocString, err = f.str()
		case 2:
			var typ []byte
			if typ, err = f.bytes(); err != nil {
				return err
			}
			err = walk(typ, "TypeProto", func(f field) error {
				if f.num != 1 {
					return nil
				}
				tt, err := f.bytes()
				if err != nil {
					return err
				}
				v.Tensor = true
				return walk(tt, "TypeProto.Tensor", func(f field) error {
					switch f.num {
					case 1:
						e, err := f.int64()
						v.ElemType = int32(e)
						return err
					case 2:
						shape, err := f.bytes()
						if err != nil {
							return err
						}
						v.HasShape = true
						return walk(shape, "TensorShapeProto", func(f field) error {
							if f.num != 1 {
								return nil
							}
							db, err := f.bytes()
							if err != nil {
								return err
							}
							d := Dim{Value: -1}
							err = walk(db, "TensorShapeProto.Dimension", func(f field) error {
								var err error
								switch f.num {
								case 1:
									d.Value, err = f.int64()
								case 2:
									d.Param, err = f.str()
								}
								return err
							})
							v.Shape = append(v.Shape, d)
							return err
						})
					}
					return nil
				})
			})
		}
		return err
	})
	return v, err
}

func decodeTensor(b []byte) (*Tensor, error) {
	t := &Tensor{}
	err := walk(b, "TensorProto", func(f field) error {
		var err error
		switch f.num {
		case 1:
			t.Dims, err = f.appendInt64s(t.Dims)
		case 2:
			var v int64
			v, err = f.int64()
			t.DataType = int32(v)
		case 4:
			t.FloatData, err = f.appendFloat32s(t.FloatData)
		case 5:
			var vs []int64
			if vs, err = f.appendInt64s(nil); err == nil {
				for _, v := range vs {
					t.Int32Data = append(t.Int32Data, int32(v))
				}
			}
		case 7:
			t.Int64Data, err = f.appendInt64s(t.Int64Data)
		case 8:
			t.Name, err = f.str()
		case 9:
			t.RawData, err = f.bytes()
		case 10:
			t.DoubleData, err = f.appendFloat64s(t.DoubleData)
		case 12:
			t.DocString, err = f.str()
		case 13:
			var p StringPair
			if p, err = decodePair(f); err == nil {
				t.ExternalData = append(t.ExternalData, p)
			}
		case 14:
			var v int64
			v, err = f.int64()
			t.DataLocation = int32(v)
		}
		return err
	})
	return t, err
}

// field is one decoded field: its number and wire type, and its value
// (x for varint and fixed types, b for bytes).
type field struct {
	msg string
	num protowire.Number
	typ protowire.Type
	x   uint64
	b   []byte
}

// walk calls f on each field of the message b.
func walk(b []byte, msg string, f func(field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errors.Wrapf(protowire.ParseError(n), "%s: bad field tag", msg)
		}
		b = b[n:]
		fd := field{msg: msg, num: num, typ: typ}
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
			return errors.Wrapf(protowire.ParseError(n), "%s field %d", msg, num)
		}
		b = b[n:]
		if err := f(fd); err != nil {
			return err
		}
	}
	return nil
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

func (f field) str() (string, error) {
	b, err := f.bytes()
	return string(b), err
}

// appendInt64s reads a repeated varint field, packed or not.
func (f field) appendInt64s(dst []int64) ([]int64, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, int64(f.x)), nil
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, errors.Wrapf(protowire.ParseError(n), "%s field %d", f.msg, f.num)
			}
			dst = append(dst, int64(v))
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
