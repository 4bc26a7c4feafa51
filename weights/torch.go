package weights

import (
	"archive/zip"
	"bytes"
	"io"
	"path"
	"strings"

	"github.com/convzoo/convzoo/internal/stdtype"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

const (
	// maxPickle caps data.pkl: a ResNet-152 state_dict's is ~60 KB, a
	// large language model's a few MB.
	maxPickle = 64 << 20
	// maxElems caps one tensor (and one storage): 2^34 elements.
	maxElems = 1 << 34
	// deflateRatio bounds a compressed storage's size by its compressed
	// size (deflate cannot do better than ~1032:1), before reading it.
	deflateRatio = 1032
)

// readTorchZip reads a torch.save zip (PyTorch >= 1.6): <dir>/data.pkl,
// a pickle whose tensors refer by key to storages <dir>/data/<key>.
// It returns the unpickled top-level value with every tensor built.
func readTorchZip(ra io.ReaderAt, size int64) (any, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, errors.Wrap(err, "reading the zip archive")
	}
	files := map[string]*zip.File{}
	var pkl *zip.File
	for _, f := range zr.File {
		if _, dup := files[f.Name]; dup {
			return nil, errors.Errorf("zip entry %q appears twice", f.Name)
		}
		files[f.Name] = f
		if path.Base(f.Name) == "data.pkl" && strings.Count(f.Name, "/") == 1 {
			if pkl != nil {
				return nil, errors.Errorf("two pickles: %s and %s", pkl.Name, f.Name)
			}
			pkl = f
		}
	}
	if pkl == nil {
		return nil, errors.New("zip archive without <name>/data.pkl: not a torch.save file")
	}
	dir := path.Dir(pkl.Name)
	if bo, ok := files[dir+"/byteorder"]; ok {
		b, err := readEntry(bo, 16, size)
		if err != nil {
			return nil, err
		}
		if string(b) != "little" {
			return nil, errors.Errorf("byte order %q is not supported (only little)", b)
		}
	}
	pb, err := readEntry(pkl, maxPickle, size)
	if err != nil {
		return nil, err
	}
	storages := map[string]*storageRef{}
	persistent := func(pid any) (any, error) {
		return storageFromPid(pid, storages)
	}
	top, err := unpickle(pb, persistent)
	if err != nil {
		return nil, errors.Wrap(err, pkl.Name)
	}
	// Read each storage a tensor of the result uses, once.
	data := map[*storageRef]any{}
	var build func(v any) (any, error)
	build = func(v any) (any, error) {
		switch v := v.(type) {
		case *tensorRef:
			s := v.storage
			if _, ok := data[s]; !ok {
				f := files[dir+"/data/"+s.key]
				if f == nil {
					return nil, errors.Errorf("storage %s/data/%s is missing", dir, s.key)
				}
				d, err := readStorage(f, s, size)
				if err != nil {
					return nil, err
				}
				data[s] = d
			}
			return v.build(data[s])
		case *pyDict: // only one level: a state_dict, or a checkpoint holding one
			for _, k := range v.keys {
				if t, ok := v.m[k].(*tensorRef); ok {
					d, err := build(t)
					if err != nil {
						return nil, errors.Wrapf(err, "tensor %v", k)
					}
					v.m[k] = d
				} else if sub, ok := v.m[k].(*pyDict); ok && isStateDictKey(k) {
					if _, err := build(sub); err != nil {
						return nil, errors.Wrapf(err, "%v", k)
					}
				}
			}
		}
		return v, nil
	}
	return build(top)
}

// storageFromPid resolves ('storage', torch.FloatStorage, key, location,
// numel), one storage object per key.
func storageFromPid(pid any, seen map[string]*storageRef) (any, error) {
	t, ok := pid.(pyTuple)
	if !ok || len(t) < 5 || t[0] != "storage" {
		return nil, errors.Errorf("persistent id %v is not a storage", pid)
	}
	g, ok := t[1].(pyGlobal)
	dt := storageTypes[g.name]
	if !ok || dt == "" {
		return nil, errors.Errorf("storage type %s is not supported (Float, Double, Half, BFloat16, Long, Int, Byte, Bool)", typeName(t[1]))
	}
	key, ok1 := t[2].(string)
	numel, ok2 := t[4].(int64)
	if !ok1 || !ok2 || numel < 0 || numel > maxElems || key == "" || strings.ContainsAny(key, "/\\") {
		return nil, errors.Errorf("bad storage %v", pid)
	}
	if s, ok := seen[key]; ok {
		if s.dtype != dt || s.numel != numel {
			return nil, errors.Errorf("storage %q declared twice, differently", key)
		}
		return s, nil
	}
	s := &storageRef{dtype: dt, key: key, numel: numel}
	seen[key] = s
	return s, nil
}

// readEntry reads a whole zip entry of at most limit bytes.
func readEntry(f *zip.File, limit, fileSize int64) ([]byte, error) {
	n := f.UncompressedSize64
	if n > uint64(limit) {
		return nil, errors.Errorf("zip entry %s is %d bytes, more than the %d allowed", f.Name, n, limit)
	}
	if f.Method == zip.Store && n > uint64(fileSize) || f.Method != zip.Store && n > deflateRatio*f.CompressedSize64+1024 {
		return nil, errors.Errorf("zip entry %s claims %d bytes from %d: corrupt or a zip bomb", f.Name, n, f.CompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, errors.Wrapf(err, "zip entry %s", f.Name)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if f.Method == zip.Store {
		buf.Grow(int(n)) // bounded by the file's size, checked above
	}
	if _, err := io.Copy(&buf, io.LimitReader(rc, int64(n)+1)); err != nil {
		return nil, errors.Wrapf(err, "zip entry %s", f.Name)
	}
	if uint64(buf.Len()) != n {
		return nil, errors.Errorf("zip entry %s: %d bytes, header says %d", f.Name, buf.Len(), n)
	}
	return buf.Bytes(), nil
}

// readStorage reads a storage whose size the pickle declared; the zip
// entry must hold exactly that many bytes.
func readStorage(f *zip.File, s *storageRef, fileSize int64) (any, error) {
	dt := stdtype.Dtypes[s.dtype]
	want := s.numel * dt.Size
	if f.UncompressedSize64 != uint64(want) {
		return nil, errors.Errorf("storage %s is %d bytes, its %d %s elements need %d", f.Name, f.UncompressedSize64, s.numel, s.dtype, want)
	}
	b, err := readEntry(f, want, fileSize)
	if err != nil {
		return nil, err
	}
	return dt.Decode(b), nil
}

// build returns the tensor the view describes over its storage's data:
// the storage itself when the view is all of it, contiguous, else a copy
// gathered through the strides (any non-negative strides, checked first
// to stay inside the storage and to select no more elements than it has).
func (t *tensorRef) build(data any) (*tensor.Dense, error) {
	n, last := int64(1), t.offset
	for i, d := range t.size {
		if d == 0 {
			return nil, errors.Errorf("shape %v has no elements (empty tensors are not supported)", t.size)
		}
		if n > maxElems/d {
			return nil, errors.Errorf("shape %v too large", t.size)
		}
		n *= d
		if t.stride[i] > maxElems {
			return nil, errors.Errorf("stride %v too large", t.stride)
		}
		last += (d - 1) * t.stride[i]
	}
	if last >= t.storage.numel {
		return nil, errors.Errorf("view (offset %d, size %v, stride %v) reaches element %d of a storage of %d", t.offset, t.size, t.stride, last, t.storage.numel)
	}
	if n > t.storage.numel { // so a tensor is never larger than the bytes in the file
		return nil, errors.Errorf("view of size %v (stride %v) has %d elements, more than its storage's %d: broadcast or overlapping views are not read (save tensor.contiguous())", t.size, t.stride, n, t.storage.numel)
	}
	shape := make([]int, len(t.size))
	for i, d := range t.size {
		shape[i] = int(d)
	}
	if t.offset == 0 && n == t.storage.numel && contiguous(t.size, t.stride) {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data)), nil
	}
	var out any
	switch d := data.(type) {
	case []float32:
		out = gather(d, t.offset, t.size, t.stride, n)
	case []float64:
		out = gather(d, t.offset, t.size, t.stride, n)
	case []int64:
		out = gather(d, t.offset, t.size, t.stride, n)
	case []int32:
		out = gather(d, t.offset, t.size, t.stride, n)
	case []uint8:
		out = gather(d, t.offset, t.size, t.stride, n)
	case []bool:
		out = gather(d, t.offset, t.size, t.stride, n)
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(out)), nil
}

// contiguous reports whether stride is size's row-major stride (sizes of
// 1 may have any stride, as in PyTorch).
func contiguous(size, stride []int64) bool {
	want := int64(1)
	for i := len(size) - 1; i >= 0; i-- {
		if size[i] != 1 && stride[i] != want {
			return false
		}
		want *= size[i]
	}
	return true
}

// gather copies the n elements of a strided view in row-major order.
func gather[T any](src []T, off int64, size, stride []int64, n int64) []T {
	out := make([]T, 0, n)
	idx := make([]int64, len(size))
	for range n {
		p := off
		for i, k := range idx {
			p += k * stride[i]
		}
		out = append(out, src[p])
		for i := len(idx) - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < size[i] {
				break
			}
			idx[i] = 0
		}
	}
	return out
}
