// Package stdtype is the table of element types convzoo reads and writes
// in weight files, named as safetensors names them ("F32", "BF16", "I64"),
// with their little-endian codecs. F16 and BF16 are widened to float32
// exactly on decode and narrowed from float32 with round-to-nearest-even
// on encode. The graph (safetensors) and weights (PyTorch) readers share it.
package stdtype

import (
	"encoding/binary"
	"math"

	"github.com/convzoo/convzoo/internal/half"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// A Dtype is one element type: its size in a file, the tensor dtype it is
// read into, and its codec.
type Dtype struct {
	Name   string
	Size   int64
	Tensor tensor.Dtype
	Decode func(b []byte) any         // little-endian bytes -> a slice of Tensor's type
	Encode func(dst []byte, data any) // a slice of Tensor's type -> little-endian bytes
}

// Dtypes are the supported types by name.
var Dtypes = map[string]Dtype{
	"F64":  {"F64", 8, tensor.Float64, decodeF64, encodeF64},
	"F32":  {"F32", 4, tensor.Float32, decodeF32, encodeF32},
	"F16":  {"F16", 2, tensor.Float32, decode16(half.F16ToF32), encode16(half.F32ToF16)},
	"BF16": {"BF16", 2, tensor.Float32, decode16(half.BF16ToF32), encode16(half.F32ToBF16)},
	"I64":  {"I64", 8, tensor.Int64, decodeI64, encodeI64},
	"I32":  {"I32", 4, tensor.Int32, decodeI32, encodeI32},
	"U8":   {"U8", 1, tensor.Uint8, decodeU8, encodeU8},
	"BOOL": {"BOOL", 1, tensor.Bool, decodeBool, encodeBool},
}

// Names lists the supported dtypes, for error messages.
const Names = "F64, F32, F16, BF16, I64, I32, U8 or BOOL"

// Of picks the file dtype of a tensor: want ("F16", "BF16", "F32", "F64")
// for float tensors when set, the tensor's own type otherwise.
func Of(t *tensor.Dense, want string) (Dtype, error) {
	if want != "" && (t.Dtype() == tensor.Float32 || t.Dtype() == tensor.Float64) {
		d, ok := Dtypes[want]
		if !ok || d.Tensor != tensor.Float32 && d.Tensor != tensor.Float64 {
			return Dtype{}, errors.Errorf("unsupported float dtype %q (want F64, F32, F16 or BF16)", want)
		}
		return d, nil
	}
	for _, d := range []string{"F64", "F32", "I64", "I32", "U8", "BOOL"} {
		if Dtypes[d].Tensor == t.Dtype() {
			return Dtypes[d], nil
		}
	}
	return Dtype{}, errors.Errorf("unsupported dtype %v", t.Dtype())
}

// ConvertFloats returns data ([]float32 or []float64) as a slice of the
// float dtype dt, a copy unless it already is one; other data as is.
func ConvertFloats(data any, dt tensor.Dtype) any {
	switch d := data.(type) {
	case []float64:
		if dt == tensor.Float32 {
			r := make([]float32, len(d))
			for i, v := range d {
				r[i] = float32(v)
			}
			return r
		}
	case []float32:
		if dt == tensor.Float64 {
			r := make([]float64, len(d))
			for i, v := range d {
				r[i] = float64(v)
			}
			return r
		}
	}
	return data
}

// Flat returns the tensor's elements as a slice, a rank-0 tensor's too
// (nil for an unsupported type).
func Flat(t *tensor.Dense) any {
	if !t.IsScalar() {
		return t.Data()
	}
	switch v := t.Data().(type) {
	case float32:
		return []float32{v}
	case float64:
		return []float64{v}
	case int64:
		return []int64{v}
	case int32:
		return []int32{v}
	case uint8:
		return []uint8{v}
	case bool:
		return []bool{v}
	}
	return nil
}

func decodeF64(b []byte) any {
	d := make([]float64, len(b)/8)
	for i := range d {
		d[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return d
}

func encodeF64(dst []byte, data any) {
	for i, v := range data.([]float64) {
		binary.LittleEndian.PutUint64(dst[8*i:], math.Float64bits(v))
	}
}

func decodeF32(b []byte) any {
	d := make([]float32, len(b)/4)
	for i := range d {
		d[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return d
}

func encodeF32(dst []byte, data any) {
	for i, v := range data.([]float32) {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

func decode16(widen func(uint16) float32) func([]byte) any {
	return func(b []byte) any {
		d := make([]float32, len(b)/2)
		for i := range d {
			d[i] = widen(binary.LittleEndian.Uint16(b[2*i:]))
		}
		return d
	}
}

func encode16(narrow func(float32) uint16) func([]byte, any) {
	return func(dst []byte, data any) {
		for i, v := range data.([]float32) {
			binary.LittleEndian.PutUint16(dst[2*i:], narrow(v))
		}
	}
}

func decodeI64(b []byte) any {
	d := make([]int64, len(b)/8)
	for i := range d {
		d[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return d
}

func encodeI64(dst []byte, data any) {
	for i, v := range data.([]int64) {
		binary.LittleEndian.PutUint64(dst[8*i:], uint64(v))
	}
}

func decodeI32(b []byte) any {
	d := make([]int32, len(b)/4)
	for i := range d {
		d[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return d
}

func encodeI32(dst []byte, data any) {
	for i, v := range data.([]int32) {
		binary.LittleEndian.PutUint32(dst[4*i:], uint32(v))
	}
}

func decodeU8(b []byte) any { return append([]uint8(nil), b...) }

func encodeU8(dst []byte, data any) { copy(dst, data.([]uint8)) }

func decodeBool(b []byte) any {
	d := make([]bool, len(b))
	for i, v := range b {
		d[i] = v != 0
	}
	return d
}

func encodeBool(dst []byte, data any) {
	for i, v := range data.([]bool) {
		if v {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}

// Slice returns data[lo:hi] for any of the slice types above.
func Slice(data any, lo, hi int) any {
	switch d := data.(type) {
	case []float64:
		return d[lo:hi]
	case []float32:
		return d[lo:hi]
	case []int64:
		return d[lo:hi]
	case []int32:
		return d[lo:hi]
	case []uint8:
		return d[lo:hi]
	case []bool:
		return d[lo:hi]
	}
	return nil
}
