package graph

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/internal/half"
	"github.com/convzoo/convzoo/internal/stdtype"
	"gorgonia.org/tensor"
)

// rawSafetensors builds a file from a literal JSON header and data bytes.
func rawSafetensors(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestSafetensorsEveryDtypeRoundTrips(t *testing.T) {
	f := []float32{1, -2.5, 1e-5, 65504, 3.14159265, -0}
	ts := map[string]*tensor.Dense{
		"w":                      tensor.New(tensor.WithShape(2, 3), tensor.WithBacking(f)),
		"d":                      tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1.0 / 3, -7})),
		"bn.num_batches_tracked": tensor.New(tensor.WithShape(), tensor.WithBacking([]int64{1 << 40})),
		"i32":                    tensor.New(tensor.WithShape(2), tensor.WithBacking([]int32{-3, 4})),
		"mask":                   tensor.New(tensor.WithShape(3), tensor.WithBacking([]bool{true, false, true})),
		"scalar":                 tensor.New(tensor.FromScalar(float32(3.5))),
		"u8":                     tensor.New(tensor.WithShape(1), tensor.WithBacking([]uint8{200})),
	}
	for _, dt := range []string{"", "F32", "F64", "F16", "BF16"} {
		var buf bytes.Buffer
		if err := WriteSafetensorsAs(&buf, ts, map[string]string{"k": "v"}, dt); err != nil {
			t.Fatalf("%q: %v", dt, err)
		}
		got, meta, err := ReadSafetensors(bytes.NewReader(buf.Bytes()), "rt")
		if err != nil {
			t.Fatalf("%q: %v", dt, err)
		}
		if meta["k"] != "v" || len(got) != len(ts) {
			t.Fatalf("%q: meta %v, %d tensors", dt, meta, len(got))
		}
		for i, v := range stdtype.ConvertFloats(got["w"].Data(), tensor.Float32).([]float32) {
			want := f[i]
			switch dt {
			case "F16":
				want = half.F16ToF32(half.F32ToF16(f[i]))
			case "BF16":
				want = half.BF16ToF32(half.F32ToBF16(f[i]))
			}
			if math.Float32bits(v) != math.Float32bits(want) {
				t.Errorf("%q: w[%d] = %g, want %g", dt, i, v, want)
			}
		}
		if s := got["scalar"]; !s.IsScalar() || stdtype.ConvertFloats(stdtype.Flat(s), tensor.Float32).([]float32)[0] != 3.5 {
			t.Errorf("%q: scalar read back as %v %v", dt, s.Shape(), s.Data())
		}
		if n := got["bn.num_batches_tracked"]; n.Dtype() != tensor.Int64 || n.Data().(int64) != 1<<40 {
			t.Errorf("%q: num_batches_tracked read back as %v %v", dt, n.Dtype(), n.Data())
		}
		if m := got["mask"].Data().([]bool); !m[0] || m[1] || !m[2] {
			t.Errorf("%q: bool %v", dt, m)
		}
		if got["i32"].Data().([]int32)[0] != -3 || got["u8"].Data().([]uint8)[0] != 200 {
			t.Errorf("%q: ints %v %v", dt, got["i32"].Data(), got["u8"].Data())
		}
	}
}

// F16 and BF16 bytes as PyTorch writes them widen to exact float32 values.
func TestReadSafetensorsHalfBytes(t *testing.T) {
	data := []byte{0x00, 0x3c, 0x01, 0x00, 0xff, 0xfb, 0x80, 0x3f, 0x49, 0x40} // f16 1, 2^-24, -65504; bf16 1, 3.140625
	hdr := `{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]}}`
	ts, _, err := ReadSafetensors(bytes.NewReader(rawSafetensors(hdr, data)), "half")
	if err != nil {
		t.Fatal(err)
	}
	h, b := ts["h"].Data().([]float32), ts["b"].Data().([]float32)
	if h[0] != 1 || h[1] != float32(math.Ldexp(1, -24)) || h[2] != -65504 || b[0] != 1 || b[1] != 3.140625 {
		t.Fatalf("h %v b %v", h, b)
	}
}

func TestReadSafetensorsConformance(t *testing.T) {
	d8 := make([]byte, 8)
	cases := map[string]struct {
		header string
		data   []byte
		want   string
	}{
		"overlap":        {`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, d8, `tensor "b": data offsets [4 8] overlap`},
		"gap":            {`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, make([]byte, 12), `tensor "b": data offsets [8 12] leave a gap`},
		"leading gap":    {`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, d8, `tensor "a"`},
		"duplicate":      {`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, d8, `key "a" appears twice`},
		"huge shape":     {`{"a":{"dtype":"F32","shape":[2147483648,2147483648],"data_offsets":[0,4]}}`, d8[:4], `tensor "a": shape`},
		"wrapping shape": {`{"a":{"dtype":"F32","shape":[4,8681,384773,1380655685],"data_offsets":[0,16]}}`, make([]byte, 16), `tensor "a": shape`}, // 2⁶⁴+4 elements: int64 wraps to 4
		"neg shape":      {`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, d8[:4], `tensor "a": bad shape`},
		"empty":          {`{"a":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}}`, nil, `tensor "a": shape [0 3] has no elements`},
		"bad dtype":      {`{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`, d8, `tensor "a": unsupported dtype "C64"`},
		"size":           {`{"a":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}}`, d8, `tensor "a": offsets [0 8] do not fit`},
		"not object":     {`[1,2]   `, nil, "not a JSON object"},
		"trailing":       {`{}{}`, nil, "bytes after the JSON object"},
		"bad metadata":   {`{"__metadata__":{"a":1}}`, nil, "metadata"},
		"huge offsets":   {`{"a":{"dtype":"F32","shape":[1],"data_offsets":[9223372036854775804,9223372036854775807]}}`, nil, `tensor "a"`},
	}
	for name, c := range cases {
		_, _, err := ReadSafetensors(bytes.NewReader(rawSafetensors(c.header, c.data)), "c.safetensors")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "c.safetensors") {
			t.Errorf("%s: error %v, want one naming the file and saying %q", name, err, c.want)
		}
	}
	// Valid edge cases: an empty file with a header only, and a scalar.
	if ts, _, err := ReadSafetensors(bytes.NewReader(rawSafetensors(`{}`, nil)), "e"); err != nil || len(ts) != 0 {
		t.Errorf("empty header: %v %v", ts, err)
	}
	ts, _, err := ReadSafetensors(bytes.NewReader(rawSafetensors(`{"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}`, binary.LittleEndian.AppendUint64(nil, math.Float64bits(2.5)))), "s")
	if err != nil || !ts["s"].IsScalar() || ts["s"].Data().(float64) != 2.5 {
		t.Errorf("scalar: %v %v", ts, err)
	}
}

func TestWriteSafetensorsRefusesReservedAndEmpty(t *testing.T) {
	for name, ts := range map[string]map[string]*tensor.Dense{
		`"__metadata__" is a reserved name`: {"__metadata__": tensor.New(tensor.WithShape(1), tensor.WithBacking([]float32{1}))},
		`tensor "n" is empty or nil`:        {"n": nil},
		`tensor "c": unsupported dtype`:     {"c": tensor.New(tensor.WithShape(1), tensor.WithBacking([]complex64{1}))},
	} {
		if err := WriteSafetensors(&bytes.Buffer{}, ts, nil); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v, want %q", err, name)
		}
	}
	x := map[string]*tensor.Dense{"x": tensor.New(tensor.WithShape(1), tensor.WithBacking([]float32{1}))}
	if err := WriteSafetensorsAs(&bytes.Buffer{}, x, nil, "F8"); err == nil || !strings.Contains(err.Error(), `"F8"`) {
		t.Errorf("dtype F8: %v", err)
	}
}

// FuzzReadSafetensors: any bytes are read or refused, never a panic or
// an allocation beyond the input's size times the element widening.
func FuzzReadSafetensors(f *testing.F) {
	var good bytes.Buffer
	WriteSafetensors(&good, testParams().Map(), map[string]string{"m": "x"}) //nolint:errcheck
	f.Add(good.Bytes())
	f.Add(rawSafetensors(`{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[],"data_offsets":[6,8]}}`, make([]byte, 8)))
	f.Add(rawSafetensors(`{"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, _, err := ReadSafetensors(bytes.NewReader(b), "fuzz")
		if err != nil {
			return
		}
		for k, v := range ts {
			if v.Shape().TotalSize() <= 0 || int64(v.Shape().TotalSize()) > int64(len(b)) {
				t.Fatalf("tensor %q of shape %v from %d bytes", k, v.Shape(), len(b))
			}
		}
	})
}
