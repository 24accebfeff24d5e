package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/pkg/errors"
)

// DType names the element type of a tensor as spelled in the header.
type DType string

// The supported dtypes; the reader and writer reject every other one.
const (
	// F32 is an IEEE-754 32-bit float (torch.float32).
	F32 DType = "F32"
	// F64 is an IEEE-754 64-bit float (torch.float64).
	F64 DType = "F64"
	// I64 is a signed 64-bit integer (torch.int64, e.g. BatchNorm's
	// num_batches_tracked).
	I64 DType = "I64"
)

// Size returns the size in bytes of one element, or 0 if the dtype is not
// supported.
func (d DType) Size() int {
	switch d {
	case F32:
		return 4
	case F64, I64:
		return 8
	}
	return 0
}

// FormatError reports a defect that makes input unreadable as safetensors,
// or a tensor set that cannot be written as a valid file.
type FormatError struct {
	// File is the path involved, empty for Read and Write.
	File string
	// Defect says what is wrong, in words.
	Defect string
}

// Error implements error.
func (e *FormatError) Error() string {
	if e.File == "" {
		return "safetensors: " + e.Defect
	}
	return "safetensors: " + e.File + ": " + e.Defect
}

func defectf(format string, args ...interface{}) *FormatError {
	return &FormatError{Defect: fmt.Sprintf(format, args...)}
}

// Tensor is one named tensor: its dtype, its shape (empty for a scalar,
// which holds one element) and its raw little-endian row-major bytes.
type Tensor struct {
	// Name is the header key, e.g. a state_dict key like "lin1.weight".
	Name string
	// DType is the element type.
	DType DType
	// Shape lists the dimensions; it is empty for a scalar.
	Shape []int
	// Data holds product(Shape)*DType.Size() bytes. Tensors read from one
	// file share a backing buffer but cannot grow into each other.
	Data []byte
}

// FromFloat32 builds an F32 tensor, encoding v little-endian. It does not
// check v against shape; Write does.
func FromFloat32(name string, shape []int, v []float32) Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return Tensor{Name: name, DType: F32, Shape: cloneShape(shape), Data: b}
}

// FromFloat64 builds an F64 tensor, encoding v little-endian. It does not
// check v against shape; Write does.
func FromFloat64(name string, shape []int, v []float64) Tensor {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return Tensor{Name: name, DType: F64, Shape: cloneShape(shape), Data: b}
}

// FromInt64 builds an I64 tensor, encoding v little-endian. It does not
// check v against shape; Write does.
func FromInt64(name string, shape []int, v []int64) Tensor {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return Tensor{Name: name, DType: I64, Shape: cloneShape(shape), Data: b}
}

// Float32s decodes the data of an F32 tensor.
func (t Tensor) Float32s() ([]float32, error) {
	if err := t.check(F32); err != nil {
		return nil, err
	}
	v := make([]float32, len(t.Data)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return v, nil
}

// Float64s decodes the data of an F64 tensor.
func (t Tensor) Float64s() ([]float64, error) {
	if err := t.check(F64); err != nil {
		return nil, err
	}
	v := make([]float64, len(t.Data)/8)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:]))
	}
	return v, nil
}

// Int64s decodes the data of an I64 tensor.
func (t Tensor) Int64s() ([]int64, error) {
	if err := t.check(I64); err != nil {
		return nil, err
	}
	v := make([]int64, len(t.Data)/8)
	for i := range v {
		v[i] = int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
	}
	return v, nil
}

// check verifies dtype and that Data matches Shape, so decoders never
// return a silently truncated slice.
func (t Tensor) check(want DType) error {
	if t.DType != want {
		return errors.Errorf("safetensors: tensor %q is %s, not %s", t.Name, t.DType, want)
	}
	n, err := byteLen(want, t.Shape)
	if err != nil {
		return errors.Wrapf(err, "tensor %q", t.Name)
	}
	if int64(len(t.Data)) != n {
		return errors.Errorf("safetensors: tensor %q has %d data bytes, shape %v needs %d",
			t.Name, len(t.Data), t.Shape, n)
	}
	return nil
}

// byteLen returns product(shape)*size, rejecting unsupported dtypes,
// negative dims and overflow (checked at each step, as the Rust reference
// does, so the result always fits in an int64 and an int).
func byteLen(d DType, shape []int) (int64, error) {
	size := int64(d.Size())
	if size == 0 {
		return 0, defectf("unsupported dtype %q (want F32, F64 or I64)", string(d))
	}
	limit := int64(math.MaxInt64)
	if int64(math.MaxInt) < limit {
		limit = int64(math.MaxInt)
	}
	limit /= size
	n := int64(1)
	for _, dim := range shape {
		if dim < 0 {
			return 0, defectf("negative dimension %d in shape %v", dim, shape)
		}
		if dim != 0 && n > limit/int64(dim) {
			return 0, defectf("shape %v overflows the element count", shape)
		}
		n *= int64(dim)
	}
	return n * size, nil
}

func cloneShape(s []int) []int {
	return append(make([]int, 0, len(s)), s...)
}
