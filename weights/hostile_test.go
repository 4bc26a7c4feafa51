package weights

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// pk assembles a pickle.
type pk []byte

func (p pk) op(b ...byte) pk { return append(p, b...) }
func (p pk) global(mod, name string) pk {
	return append(append(p, 'c'), mod+"\n"+name+"\n"...)
}
func (p pk) str(s string) pk {
	return append(binary.LittleEndian.AppendUint32(append(p, 'X'), uint32(len(s))), s...)
}
func (p pk) int(v uint32) pk  { return binary.LittleEndian.AppendUint32(append(p, 'J'), v) }
func (p pk) long(v uint64) pk { return binary.LittleEndian.AppendUint64(append(p, 0x8a, 8), v) }
func (p pk) ints(vs ...uint32) pk {
	p = p.op('(')
	for _, v := range vs {
		p = p.int(v)
	}
	return p.op('t')
}

// tensorPickle is what torch.save writes for {key: view of storage "0"}.
func tensorPickle(key, storage string, numel uint64, offset uint32, size, stride []uint32) pk {
	p := pk{0x80, 2}.global("collections", "OrderedDict").op(')', 'R', '(').str(key)
	p = p.global("torch._utils", "_rebuild_tensor_v2").op('(', '(').str("storage").global("torch", storage).str("0").str("cpu").long(numel).op('t', 'Q')
	p = p.int(offset).ints(size...).ints(stride...).op(0x89).global("collections", "OrderedDict").op(')', 'R', 't', 'R')
	return p.op('u', '.')
}

// torchZip builds a torch.save-like zip from entries (stored unless the
// name is in deflate).
func torchZip(t testing.TB, entries map[string][]byte, deflate ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"archive/data.pkl", "archive/data/0", "archive/byteorder"} {
		b, ok := entries[name]
		if !ok {
			continue
		}
		h := &zip.FileHeader{Name: name, Method: zip.Store}
		for _, d := range deflate {
			if d == name {
				h.Method = zip.Deflate
			}
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func f32bytes(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func writeTemp(t testing.TB, b []byte) string {
	path := filepath.Join(t.TempDir(), "w.pt")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTorchZipViews(t *testing.T) {
	data := f32bytes(1, 2, 3, 4, 5, 6)
	for _, c := range []struct {
		name         string
		offset       uint32
		size, stride []uint32
		want         []float32
		shape        tensor.Shape
	}{
		{"contiguous", 0, []uint32{2, 3}, []uint32{3, 1}, []float32{1, 2, 3, 4, 5, 6}, tensor.Shape{2, 3}},
		{"transposed", 0, []uint32{3, 2}, []uint32{1, 3}, []float32{1, 4, 2, 5, 3, 6}, tensor.Shape{3, 2}},
		{"offset slice", 4, []uint32{2}, []uint32{1}, []float32{5, 6}, tensor.Shape{2}},
		{"scalar", 2, nil, nil, []float32{3}, tensor.Shape{}},
	} {
		z := torchZip(t, map[string][]byte{"archive/data.pkl": tensorPickle("module.w", "FloatStorage", 6, c.offset, c.size, c.stride), "archive/data/0": data, "archive/byteorder": []byte("little")})
		ts, meta, err := Read(writeTemp(t, z))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		w := ts["w"]
		if w == nil || !w.Shape().Eq(c.shape) || meta["stripped_prefix"] != "module." {
			t.Fatalf("%s: %v %v", c.name, ts, meta)
		}
		got := []float32{}
		if w.IsScalar() {
			got = append(got, w.Data().(float32))
		} else {
			got = w.Data().([]float32)
		}
		for i := range c.want {
			if got[i] != c.want[i] {
				t.Fatalf("%s: %v, want %v", c.name, got, c.want)
			}
		}
	}
	// Half, BFloat16 and Long storages.
	for st, b := range map[string][]byte{"HalfStorage": {0, 0x3c, 0, 0xc0}, "BFloat16Storage": {0x80, 0x3f, 0, 0xc0}} {
		z := torchZip(t, map[string][]byte{"archive/data.pkl": tensorPickle("w", st, 2, 0, []uint32{2}, []uint32{1}), "archive/data/0": b})
		ts, _, err := Read(writeTemp(t, z))
		if err != nil || ts["w"].Data().([]float32)[0] != 1 || ts["w"].Data().([]float32)[1] != -2 {
			t.Fatalf("%s: %v %v", st, ts, err)
		}
	}
	z := torchZip(t, map[string][]byte{"archive/data.pkl": tensorPickle("n", "LongStorage", 1, 0, nil, nil), "archive/data/0": binary.LittleEndian.AppendUint64(nil, 7)})
	if ts, _, err := Read(writeTemp(t, z)); err != nil || ts["n"].Data().(int64) != 7 {
		t.Fatalf("Long: %v %v", ts, err)
	}
}

func TestHostilePickles(t *testing.T) {
	p2 := pk{0x80, 2}
	huge := binary.LittleEndian.AppendUint64(nil, 1<<62)
	for name, c := range map[string]struct {
		p    pk
		want string
	}{
		"os.system":         {p2.global("os", "system").op(')', 'R', '.'), "os.system is not part of a state_dict"},
		"stack global eval": {p2.str("builtins").str("eval").op(0x93, '.'), "builtins.eval is not part"},
		"INST":              {p2.op('(').op('i').op([]byte("os\nsystem\n")...).op('.'), "INST"},
		"NEWOBJ":            {p2.op(')', ')', 0x81, '.'), "NEWOBJ"},
		"EXT1":              {p2.op(0x82, 1, '.'), "EXT1"},
		"PERSID":            {p2.op('P').op([]byte("x\n")...).op('.'), "PERSID"},
		"huge BINUNICODE":   {p2.op('X', 0xff, 0xff, 0xff, 0xff), "needs 4294967295 bytes"},
		"huge BINUNICODE8":  {p2.op(0x8d).op(huge...), "needs 4611686018427387904 bytes"},
		"huge BINBYTES8":    {pk{0x80, 4, 0x8e}.op(huge...), "BINBYTES8"},
		"huge FRAME":        {pk{0x80, 4, 0x95}.op(huge...), "frame of 4611686018427387904 bytes"},
		"huge LONG1":        {p2.op(0x8a, 200), "integer of 200 bytes"},
		"underflow":         {p2.op('R'), "stack underflow"},
		"mark underflow":    {p2.op(')', '(', 'R'), "stack underflow"},
		"no STOP":           {p2.op('N'), "without STOP"},
		"empty":             {pk{}, "without STOP"},
		"missing memo":      {p2.op('h', 9, '.'), "memo 9 not set"},
		"OrderedDict args":  {p2.global("collections", "OrderedDict").op('N').op(0x85, 'R', '.'), "OrderedDict with arguments"},
		"BUILD on list":     {p2.op(']', '}', 'b', '.'), "setting the state of a list"},
		"call a string":     {p2.str("x").op(')', 'R', '.'), "calling a str"},
		"unhashable key":    {p2.op('}', ']', 'N', 's', '.'), "dict key of type list"},
		"two values":        {p2.op('N', 'N', '.'), "stack not empty"},
		"protocol 9":        {pk{0x80, 9}, "protocol 9"},
		"storage pid":       {p2.str("x").op('Q', '.'), "persistent id"},
		"bad storage type":  {p2.op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").int(1).op('t').op('Q', '.'), "storage"},
	} {
		persistent := func(pid any) (any, error) { return storageFromPid(pid, map[string]*storageRef{}) }
		if name == "bad storage type" { // a storage type outside the list
			c.p = p2.op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").op('N', 't', 'Q', '.')
			c.want = "bad storage"
		}
		_, err := unpickle(c.p, persistent)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
	// LONG1 of length 0 is 0 (gopickle panics here).
	if v, err := unpickle(pk{0x80, 2, 0x8a, 0, '.'}, nil); err != nil || v != int64(0) {
		t.Errorf("LONG1 0: %v %v", v, err)
	}
	if v, err := unpickle(pk{0x80, 2, 0x8a, 2, 0xff, 0xff, '.'}, nil); err != nil || v != int64(-1) {
		t.Errorf("LONG1 -1: %v %v", v, err)
	}
}

func TestHostileTorchZips(t *testing.T) {
	good := tensorPickle("w", "FloatStorage", 6, 0, []uint32{2, 3}, []uint32{3, 1})
	data := f32bytes(1, 2, 3, 4, 5, 6)
	// A zip entry that claims 16 GiB from 100 bytes of deflate data.
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "archive/data.pkl", Method: zip.Store})
	w.Write(tensorPickle("w", "FloatStorage", 1<<32, 0, []uint32{1 << 16, 1 << 16}, []uint32{1 << 16, 1}))
	w, _ = zw.CreateRaw(&zip.FileHeader{Name: "archive/data/0", Method: zip.Deflate, CompressedSize64: 100, UncompressedSize64: 1 << 34})
	w.Write(make([]byte, 100))
	zw.Close()
	for name, c := range map[string]struct {
		z    []byte
		want string
	}{
		"zip bomb":       {bomb.Bytes(), "zip bomb"},
		"short storage":  {torchZip(t, map[string][]byte{"archive/data.pkl": good, "archive/data/0": data[:20]}), "storage archive/data/0 is 20 bytes, its 6 F32 elements need 24"},
		"beyond storage": {torchZip(t, map[string][]byte{"archive/data.pkl": tensorPickle("w", "FloatStorage", 6, 1, []uint32{2, 3}, []uint32{3, 1}), "archive/data/0": data}), "reaches element 6 of a storage of 6"},
		"huge shape":     {torchZip(t, map[string][]byte{"archive/data.pkl": tensorPickle("w", "FloatStorage", 6, 0, []uint32{1 << 30, 1 << 30, 1 << 30}, []uint32{0, 0, 0}), "archive/data/0": data}), "too large"},
		"huge numel":     {torchZip(t, map[string][]byte{"archive/data.pkl": tensorPickle("w", "FloatStorage", 0xffffffff, 0, []uint32{2}, []uint32{1}), "archive/data/0": data}), "is 24 bytes"},
		"broadcast view": {torchZip(t, map[string][]byte{"archive/data.pkl": tensorPickle("w", "FloatStorage", 6, 0, []uint32{1 << 14, 1 << 14}, []uint32{0, 0}), "archive/data/0": data}), "more than its storage's 6"},
		"empty tensor":   {torchZip(t, map[string][]byte{"archive/data.pkl": tensorPickle("w", "FloatStorage", 6, 0, []uint32{0, 3}, []uint32{3, 1}), "archive/data/0": data}), "no elements"},
		"no storage":     {torchZip(t, map[string][]byte{"archive/data.pkl": good}), "storage archive/data/0 is missing"},
		"no pickle":      {torchZip(t, map[string][]byte{"archive/data/0": data}), "without <name>/data.pkl"},
		"big endian":     {torchZip(t, map[string][]byte{"archive/data.pkl": good, "archive/data/0": data, "archive/byteorder": []byte("big")}), `byte order "big"`},
		"storage type":   {torchZip(t, map[string][]byte{"archive/data.pkl": tensorPickle("w", "ComplexFloatStorage", 6, 0, []uint32{6}, []uint32{1}), "archive/data/0": data}), "torch.ComplexFloatStorage is not part"},
	} {
		_, _, err := Read(writeTemp(t, c.z))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "w.pt") {
			t.Errorf("%s: %v, want an error naming the file and saying %q", name, err, c.want)
		}
	}
	// Every truncation of a good file is an error, never a panic.
	z := torchZip(t, map[string][]byte{"archive/data.pkl": good, "archive/data/0": data}, "archive/data/0")
	if _, _, err := Read(writeTemp(t, z)); err != nil {
		t.Fatalf("good deflated file: %v", err)
	}
	path := writeTemp(t, nil)
	for n := range len(z) {
		os.WriteFile(path, z[:n], 0o644)
		if _, _, err := Read(path); err == nil {
			t.Fatalf("truncated at %d of %d: no error", n, len(z))
		}
	}
}

// A safetensors header of 640 bytes starts like a protocol-2 pickle.
func TestSniffSafetensorsBeforePickle(t *testing.T) {
	hdr := `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`
	hdr += strings.Repeat(" ", 640-len(hdr))
	b := append(binary.LittleEndian.AppendUint64(nil, 640), hdr...)
	b = append(b, f32bytes(2.5)...)
	if b[0] != 0x80 || b[1] != 2 {
		t.Fatal("test file does not start like a pickle")
	}
	ts, _, err := Read(writeTemp(t, b))
	if err != nil || ts["w"].Data().([]float32)[0] != 2.5 {
		t.Fatalf("%v %v", ts, err)
	}
}

func TestReadRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for name, want := range map[string]string{
		"text":   "neither safetensors nor a torch.save zip",
		"pickle": "legacy (pre-1.6, non-zip) format",
		"dir":    "not a regular file",
	} {
		path := filepath.Join(dir, name)
		switch name {
		case "text":
			os.WriteFile(path, []byte("hello world, not weights"), 0o644)
		case "pickle":
			os.WriteFile(path, []byte{0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'}, 0o644)
		case "dir":
			os.Mkdir(path, 0o755)
		}
		if _, _, err := Read(path); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}

// FuzzTorchZip: any bytes are read or refused, never a panic, and never
// a tensor larger than the bytes could hold.
func FuzzTorchZip(f *testing.F) {
	data := f32bytes(1, 2, 3, 4, 5, 6)
	f.Add(torchZip(f, map[string][]byte{"archive/data.pkl": tensorPickle("w", "FloatStorage", 6, 0, []uint32{2, 3}, []uint32{3, 1}), "archive/data/0": data}))
	f.Add(torchZip(f, map[string][]byte{"archive/data.pkl": tensorPickle("w", "HalfStorage", 3, 1, []uint32{2}, []uint32{1}), "archive/data/0": data[:6]}, "archive/data/0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		top, err := readTorchZip(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		ts, _, err := stateDict(top)
		if err != nil {
			return
		}
		for k, v := range ts {
			if n := v.Shape().TotalSize(); n <= 0 || n > 1032*len(b) {
				t.Fatalf("tensor %q of shape %v from %d bytes", k, v.Shape(), len(b))
			}
		}
	})
}

// FuzzUnpickle: the unpickler on any bytes returns or refuses.
func FuzzUnpickle(f *testing.F) {
	f.Add([]byte(tensorPickle("w", "FloatStorage", 6, 0, []uint32{2, 3}, []uint32{3, 1})))
	f.Add([]byte{0x80, 4, 0x95, 3, 0, 0, 0, 0, 0, 0, 0, 'N', 0x94, '.'})
	f.Fuzz(func(t *testing.T, b []byte) {
		seen := map[string]*storageRef{}
		unpickle(b, func(pid any) (any, error) { return storageFromPid(pid, seen) }) //nolint:errcheck
	})
}
