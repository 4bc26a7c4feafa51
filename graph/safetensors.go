package graph

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"sort"

	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/convzoo/convzoo/internal/stdtype"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// The safetensors format: an 8-byte little-endian header length, a JSON
// header {"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {}}
// and the little-endian tensor bytes. It is what PyTorch's and Hugging
// Face's tools write, so state_dicts move between the two worlds.

const maxHeader = 100 << 20 // a header larger than 100 MiB is corrupt

const maxInt = int(^uint(0) >> 1) // the largest int: 2³¹-1 on 32-bit machines

type stEntry struct {
	Dtype   string   `json:"dtype"`
	Shape   []int64  `json:"shape"` // int64: a 32-bit int must not reject a large shape before check names it
	Offsets [2]int64 `json:"data_offsets"`
}

// WriteSafetensors writes the tensors in safetensors format, each in its
// own dtype (float32, float64, int64, int32, uint8, bool; a rank-0 tensor
// is a scalar), keys sorted, with optional string metadata.
func WriteSafetensors(w io.Writer, ts map[string]*tensor.Dense, meta map[string]string) error {
	return WriteSafetensorsAs(w, ts, meta, "")
}

// WriteSafetensorsAs is WriteSafetensors with the float tensors stored as
// dtype: "F32", "F64", "F16" or "BF16" (narrowing rounds to nearest even;
// a float64 tensor goes through float32 on its way to 16 bits), or "" for
// each tensor's own dtype. Integer and bool tensors keep theirs.
func WriteSafetensorsAs(w io.Writer, ts map[string]*tensor.Dense, meta map[string]string, dtype string) error {
	names := make([]string, 0, len(ts))
	for n := range ts {
		if n == "__metadata__" {
			return errors.New("graph: safetensors: \"__metadata__\" is a reserved name, not a tensor name")
		}
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{}
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	dts := make([]stdtype.Dtype, len(names))
	var off int64
	for i, n := range names {
		t := ts[n]
		if t == nil || t.Shape().TotalSize() == 0 || stdtype.Flat(t) == nil {
			return errors.Errorf("graph: safetensors: tensor %q is empty or nil", n)
		}
		d, err := stdtype.Of(t, dtype)
		if err != nil {
			return errors.Wrapf(err, "graph: safetensors: tensor %q", n)
		}
		dts[i] = d
		size := int64(t.Shape().TotalSize()) * d.Size
		shape := make([]int64, len(t.Shape()))
		for j, n := range t.Shape() {
			shape[j] = int64(n)
		}
		header[n] = stEntry{Dtype: d.Name, Shape: shape, Offsets: [2]int64{off, off + size}}
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
	const chunk = 1 << 14 // elements encoded at a time
	buf := make([]byte, chunk*8)
	for i, n := range names {
		data := stdtype.ConvertFloats(stdtype.Flat(ts[n]), dts[i].Tensor)
		for lo, total := 0, ts[n].Shape().TotalSize(); lo < total; lo += chunk {
			hi := min(lo+chunk, total)
			b := buf[:int64(hi-lo)*dts[i].Size]
			dts[i].Encode(b, stdtype.Slice(data, lo, hi))
			bw.Write(b) //nolint:errcheck // checked at Flush
		}
	}
	return errors.Wrap(bw.Flush(), "graph: safetensors")
}

// ReadSafetensors reads a whole safetensors stream. name labels errors.
// Every dtype PyTorch writes for a state_dict is read: F32 and F64 as
// themselves, F16 and BF16 widened exactly to float32, I64, I32, U8 and
// BOOL as integer and bool tensors (batch norm's num_batches_tracked is
// I64). The header is checked as the format requires before any tensor is
// built: no duplicate keys, shapes whose size fits, and data offsets that
// tile the data exactly (no overlap, no gap, nothing after the last).
func ReadSafetensors(r io.Reader, name string) (map[string]*tensor.Dense, map[string]string, error) {
	var hlen uint64
	if err := binary.Read(r, binary.LittleEndian, &hlen); err != nil {
		return nil, nil, errors.Wrapf(err, "graph: %s: reading safetensors header length", name)
	}
	if hlen < 2 || hlen > maxHeader {
		return nil, nil, errors.Errorf("graph: %s: not a safetensors file (header length %d)", name, hlen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, nil, errors.Wrapf(err, "graph: %s: truncated safetensors header", name)
	}
	entries, meta, err := parseHeader(hb)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "graph: %s", name)
	}
	end, err := checkLayout(entries)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "graph: %s", name)
	}
	data, err := io.ReadAll(io.LimitReader(r, end+1))
	if err != nil {
		return nil, nil, errors.Wrapf(err, "graph: %s: reading tensor data", name)
	}
	if int64(len(data)) != end {
		what := "truncated"
		if int64(len(data)) > end {
			what = "bytes after the last tensor"
		}
		return nil, nil, errors.Errorf("graph: %s: tensor data %s (header says %d bytes)", name, what, end)
	}
	out := make(map[string]*tensor.Dense, len(entries))
	for _, e := range entries {
		out[e.name] = e.decode(data[e.Offsets[0]:e.Offsets[1]])
	}
	return out, meta, nil
}

// namedEntry is a header entry and its key.
type namedEntry struct {
	stEntry
	name string
	dt   stdtype.Dtype
}

// parseHeader decodes the JSON header object key by key, so that a
// duplicate key is found (encoding/json would keep the last silently),
// and checks each entry's dtype and shape.
func parseHeader(hb []byte) ([]namedEntry, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(hb))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, errors.New("bad safetensors header: not a JSON object")
	}
	var meta map[string]string
	var entries []namedEntry
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, errors.Wrap(err, "bad safetensors header")
		}
		k, _ := tok.(string)
		if seen[k] {
			return nil, nil, errors.Errorf("bad safetensors header: key %q appears twice", k)
		}
		seen[k] = true
		if k == "__metadata__" {
			if err := dec.Decode(&meta); err != nil {
				return nil, nil, errors.Wrap(err, "bad safetensors metadata (want string values)")
			}
			continue
		}
		e := namedEntry{name: k}
		if err := dec.Decode(&e.stEntry); err != nil {
			return nil, nil, errors.Wrapf(err, "bad entry for tensor %q", k)
		}
		if e.dt, err = e.check(k); err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, errors.Wrap(err, "bad safetensors header")
	}
	if rest := bytes.TrimRight(hb[dec.InputOffset():], " "); len(rest) > 0 {
		return nil, nil, errors.New("bad safetensors header: bytes after the JSON object")
	}
	return entries, meta, nil
}

// checkLayout requires the entries' byte ranges to tile [0, end) with no
// overlap and no gap, and returns end.
func checkLayout(entries []namedEntry) (int64, error) {
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i].Offsets, entries[j].Offsets
		return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
	})
	var end int64
	for _, e := range entries {
		switch {
		case e.Offsets[0] < end:
			return 0, errors.Errorf("tensor %q: data offsets %v overlap the previous tensor's (which ends at %d)", e.name, e.Offsets, end)
		case e.Offsets[0] > end:
			return 0, errors.Errorf("tensor %q: data offsets %v leave a gap after byte %d", e.name, e.Offsets, end)
		}
		end = e.Offsets[1]
	}
	return end, nil
}

// check validates the entry's dtype, shape and offsets against each other.
func (e stEntry) check(key string) (stdtype.Dtype, error) {
	d, ok := stdtype.Dtypes[e.Dtype]
	if !ok {
		return d, errors.Errorf("tensor %q: unsupported dtype %q (want %s)", key, e.Dtype, stdtype.Names)
	}
	size := int64(1)
	for _, n := range e.Shape {
		if n < 0 || n > 1<<31 {
			return d, errors.Errorf("tensor %q: bad shape %v", key, e.Shape)
		}
		if n > 0 && size > (1<<34)/n { // before multiplying: size·n can wrap int64 to a small size
			return d, errors.Errorf("tensor %q: shape %v too large", key, e.Shape)
		}
		size *= n
		if size > int64(maxInt) {
			return d, errors.Errorf("tensor %q: shape %v too large", key, e.Shape)
		}
	}
	if size == 0 {
		return d, errors.Errorf("tensor %q: shape %v has no elements (empty tensors are not supported)", key, e.Shape)
	}
	if e.Offsets[0] < 0 || e.Offsets[1]-e.Offsets[0] != size*d.Size {
		return d, errors.Errorf("tensor %q: offsets %v do not fit shape %v of %s", key, e.Offsets, e.Shape, e.Dtype)
	}
	return d, nil
}

// decode builds the tensor from its bytes; a rank-0 entry is a scalar.
func (e namedEntry) decode(b []byte) *tensor.Dense {
	shape := make(tensor.Shape, len(e.Shape))
	for i, n := range e.Shape {
		shape[i] = int(n) // check bounded the product by maxInt
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(e.dt.Decode(b)))
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
// (Package weights loads PyTorch's files too, converts dtypes, skips
// num_batches_tracked, and can load partially: the zoo commands use it.)
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
