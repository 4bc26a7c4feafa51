package graph

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"sort"

	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// The safetensors format: an 8-byte little-endian header length, a JSON
// header {"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {}}
// and the little-endian tensor bytes. It is what PyTorch's and Hugging
// Face's tools write, so state_dicts move between the two worlds.

const maxHeader = 100 << 20 // a header larger than 100 MiB is corrupt

type stEntry struct {
	Dtype   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// WriteSafetensors writes the tensors (float32 or float64) in safetensors
// format, keys sorted, with optional string metadata.
func WriteSafetensors(w io.Writer, ts map[string]*tensor.Dense, meta map[string]string) error {
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{}
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	var off int64
	for _, n := range names {
		t := ts[n]
		var dt string
		switch t.Dtype() {
		case tensor.Float32:
			dt = "F32"
		case tensor.Float64:
			dt = "F64"
		default:
			return errors.Errorf("graph: safetensors: tensor %q has unsupported dtype %v", n, t.Dtype())
		}
		size := int64(t.Shape().TotalSize()) * int64(t.Dtype().Size())
		shape := append([]int{}, t.Shape()...)
		header[n] = stEntry{Dtype: dt, Shape: shape, Offsets: [2]int64{off, off + size}}
		off += size
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return errors.Wrap(err, "graph: safetensors header")
	}
	for len(hb)%8 != 0 {
		hb = append(hb, ' ')
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := binary.Write(bw, binary.LittleEndian, uint64(len(hb))); err != nil {
		return errors.Wrap(err, "graph: safetensors")
	}
	if _, err := bw.Write(hb); err != nil {
		return errors.Wrap(err, "graph: safetensors")
	}
	buf := make([]byte, 8)
	for _, n := range names {
		switch d := ts[n].Data().(type) {
		case []float32:
			for _, v := range d {
				binary.LittleEndian.PutUint32(buf, math.Float32bits(v))
				bw.Write(buf[:4]) //nolint:errcheck // checked at Flush
			}
		case []float64:
			for _, v := range d {
				binary.LittleEndian.PutUint64(buf, math.Float64bits(v))
				bw.Write(buf) //nolint:errcheck // checked at Flush
			}
		}
	}
	return errors.Wrap(bw.Flush(), "graph: safetensors")
}

// ReadSafetensors reads a whole safetensors stream. name labels errors.
// Every offset and shape is checked against the data before any tensor is
// built; F32 and F64 tensors are supported.
func ReadSafetensors(r io.Reader, name string) (map[string]*tensor.Dense, map[string]string, error) {
	var hlen uint64
	if err := binary.Read(r, binary.LittleEndian, &hlen); err != nil {
		return nil, nil, errors.Wrapf(err, "graph: %s: reading safetensors header length", name)
	}
	if hlen == 0 || hlen > maxHeader {
		return nil, nil, errors.Errorf("graph: %s: not a safetensors file (header length %d)", name, hlen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, nil, errors.Wrapf(err, "graph: %s: truncated safetensors header", name)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hb, &raw); err != nil {
		return nil, nil, errors.Wrapf(err, "graph: %s: bad safetensors header", name)
	}
	var meta map[string]string
	entries := map[string]stEntry{}
	var end int64
	for k, v := range raw {
		if k == "__metadata__" {
			if err := json.Unmarshal(v, &meta); err != nil {
				return nil, nil, errors.Wrapf(err, "graph: %s: bad metadata", name)
			}
			continue
		}
		var e stEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, nil, errors.Wrapf(err, "graph: %s: bad entry %q", name, k)
		}
		if err := e.check(k); err != nil {
			return nil, nil, errors.Wrapf(err, "graph: %s", name)
		}
		entries[k] = e
		end = max(end, e.Offsets[1])
	}
	data, err := io.ReadAll(io.LimitReader(r, end+1))
	if err != nil {
		return nil, nil, errors.Wrapf(err, "graph: %s: reading tensor data", name)
	}
	if int64(len(data)) != end {
		return nil, nil, errors.Errorf("graph: %s: tensor data is %d bytes, header says %d", name, len(data), end)
	}
	out := make(map[string]*tensor.Dense, len(entries))
	for k, e := range entries {
		out[k] = e.decode(data[e.Offsets[0]:e.Offsets[1]])
	}
	return out, meta, nil
}

func (e stEntry) check(key string) error {
	size := int64(1)
	for _, d := range e.Shape {
		if d < 0 || d > 1<<31 {
			return errors.Errorf("tensor %q: bad shape %v", key, e.Shape)
		}
		size *= int64(d)
		if size > 1<<34 {
			return errors.Errorf("tensor %q: shape %v too large", key, e.Shape)
		}
	}
	var es int64
	switch e.Dtype {
	case "F32":
		es = 4
	case "F64":
		es = 8
	default:
		return errors.Errorf("tensor %q: unsupported dtype %s (want F32 or F64)", key, e.Dtype)
	}
	if e.Offsets[0] < 0 || e.Offsets[1]-e.Offsets[0] != size*es {
		return errors.Errorf("tensor %q: offsets %v do not fit shape %v of %s", key, e.Offsets, e.Shape, e.Dtype)
	}
	return nil
}

func (e stEntry) decode(b []byte) *tensor.Dense {
	shape := append([]int{}, e.Shape...)
	if len(shape) == 0 {
		shape = []int{1}
	}
	if e.Dtype == "F32" {
		d := make([]float32, len(b)/4)
		for i := range d {
			d[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	}
	d := make([]float64, len(b)/8)
	for i := range d {
		d[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
}

// ReadSafetensorsFile reads a safetensors file. A FIFO, device or folder
// is refused (safefile.OpenRegular), so that a FIFO never blocks.
func ReadSafetensorsFile(path string) (map[string]*tensor.Dense, map[string]string, error) {
	f, err := safefile.OpenRegular(path)
	if err != nil {
		return nil, nil, errors.Wrap(err, "graph")
	}
	defer f.Close()
	return ReadSafetensors(bufio.NewReaderSize(f, 1<<20), path)
}

// WriteSafetensorsFile writes a safetensors file atomically with
// safefile.Write: the old file is intact on any error, a device or other
// non-regular path is refused, and a symbolic link keeps pointing at the
// rewritten file.
func WriteSafetensorsFile(path string, ts map[string]*tensor.Dense, meta map[string]string) error {
	if err := safefile.Write(path, func(w io.Writer) error { return WriteSafetensors(w, ts, meta) }); err != nil {
		return errors.Wrap(err, "graph")
	}
	return nil
}

// WriteFileAtomic writes path with safefile.Write.
//
// Deprecated: use safefile.Write; kept so that code written against it
// still builds.
func WriteFileAtomic(path string, write func(w io.Writer) error) error {
	return safefile.Write(path, write)
}

// Map returns the store as a name -> tensor map (the tensors themselves,
// not copies).
func (ps *Params) Map() map[string]*tensor.Dense {
	m := make(map[string]*tensor.Dense, ps.Len())
	for _, p := range ps.All() {
		m[p.Name] = p.Value
	}
	return m
}

// Save writes every parameter and buffer to a safetensors file, atomically.
func (ps *Params) Save(path string, meta map[string]string) error {
	if ps == nil {
		return errNilParams
	}
	return WriteSafetensorsFile(path, ps.Map(), meta)
}

// Load reads a safetensors file into the store, strictly: a missing key, an
// unexpected key or a shape or dtype mismatch is an error naming every
// offending key, and then nothing is changed. It returns the file's
// metadata.
func (ps *Params) Load(path string) (map[string]string, error) {
	if ps == nil {
		return nil, errNilParams
	}
	ts, meta, err := ReadSafetensorsFile(path)
	if err != nil {
		return nil, err
	}
	if err := ps.CopyFrom(ts); err != nil {
		return nil, errors.Wrapf(err, "loading %s", path)
	}
	return meta, nil
}
