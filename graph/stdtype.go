package graph

import (
	"encoding/binary"
	"math"

	"github.com/convzoo/convzoo/internal/half"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// stDtype is one safetensors element type: its size in the file, the
// tensor dtype it is read into, and its codec. F16 and BF16 are widened
// to float32 exactly on read; float32 tensors are narrowed to them on
// write with round-to-nearest-even.
type stDtype struct {
	name   string
	size   int64
	dtype  tensor.Dtype
	decode func(b []byte) any         // little-endian bytes -> a slice of dtype
	encode func(dst []byte, data any) // a slice of dtype -> little-endian bytes
}

var stDtypes = map[string]stDtype{
	"F64":  {"F64", 8, tensor.Float64, decodeF64, encodeF64},
	"F32":  {"F32", 4, tensor.Float32, decodeF32, encodeF32},
	"F16":  {"F16", 2, tensor.Float32, decode16(half.F16ToF32), encode16(half.F32ToF16)},
	"BF16": {"BF16", 2, tensor.Float32, decode16(half.BF16ToF32), encode16(half.F32ToBF16)},
	"I64":  {"I64", 8, tensor.Int64, decodeI64, encodeI64},
	"I32":  {"I32", 4, tensor.Int32, decodeI32, encodeI32},
	"U8":   {"U8", 1, tensor.Uint8, decodeU8, encodeU8},
	"BOOL": {"BOOL", 1, tensor.Bool, decodeBool, encodeBool},
}

// stDtypeNames lists the supported dtypes, for error messages.
const stDtypeNames = "F64, F32, F16, BF16, I64, I32, U8 or BOOL"

// stDtypeOf picks the file dtype of a tensor: want ("F16", "BF16", "F32",
// "F64") for float tensors when set, the tensor's own type otherwise.
func stDtypeOf(t *tensor.Dense, want string) (stDtype, error) {
	if want != "" && (t.Dtype() == tensor.Float32 || t.Dtype() == tensor.Float64) {
		d, ok := stDtypes[want]
		if !ok || d.dtype != tensor.Float32 && d.dtype != tensor.Float64 {
			return stDtype{}, errors.Errorf("unsupported float dtype %q (want F64, F32, F16 or BF16)", want)
		}
		return d, nil
	}
	for _, d := range []string{"F64", "F32", "I64", "I32", "U8", "BOOL"} {
		if stDtypes[d].dtype == t.Dtype() {
			return stDtypes[d], nil
		}
	}
	return stDtype{}, errors.Errorf("unsupported dtype %v", t.Dtype())
}

// convertFloats returns data ([]float32 or []float64) as a slice of the
// float dtype dt, a copy unless it already is one.
func convertFloats(data any, dt tensor.Dtype) any {
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

// flat returns the tensor's elements as a slice, a rank-0 tensor's too.
func flat(t *tensor.Dense) any {
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

// sliceOf returns data[lo:hi] for any of the slice types above.
func sliceOf(data any, lo, hi int) any {
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
