package weights

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Format names a weights file format found by its first bytes.
type Format string

// The formats Read tells apart.
const (
	Safetensors Format = "safetensors"
	TorchZip    Format = "torch.save zip"
	TorchLegacy Format = "legacy torch.save"
	Unknown     Format = "unknown"
)

// Sniff tells the format from a file's first bytes (at least 9 of them
// for safetensors).
func Sniff(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return TorchZip
	case len(head) >= 9 && head[8] == '{' && binary.LittleEndian.Uint64(head) < 1<<32:
		return Safetensors // before pickles: a header length of 640 starts 0x80 0x02 too
	case len(head) >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5:
		return TorchLegacy // a bare pickle: the pre-1.6 format starts with a magic number
	}
	return Unknown
}

// wrapperKeys are the keys under which training scripts keep a
// state_dict in a checkpoint dict, in the order they are tried.
var wrapperKeys = []string{"state_dict", "model_state_dict", "model"}

func isStateDictKey(k any) bool {
	for _, w := range wrapperKeys {
		if k == w {
			return true
		}
	}
	return false
}

// Read reads the tensors of a weights file and its metadata. The format
// is found from the file's first bytes, not its name: safetensors (any
// dtype graph.ReadSafetensors reads) or PyTorch's torch.save zip (a
// state_dict, or a checkpoint dict holding one under "state_dict",
// "model_state_dict" or "model", whose other plain values become metadata).
// Keys prefixed "module." on every tensor (DataParallel) lose the prefix,
// in either format.
// A pre-1.6 torch.save file is an error saying how to re-save it.
func Read(path string) (map[string]*tensor.Dense, map[string]string, error) {
	f, err := safefile.OpenRegular(path) // a FIFO or device is refused, never read
	if err != nil {
		return nil, nil, errors.Wrap(err, "weights")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, errors.Wrap(err, "weights")
	}
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, nil, errors.Wrap(err, "weights")
	}
	switch Sniff(head) {
	case Safetensors:
		ts, meta, err := graph.ReadSafetensors(bufio.NewReaderSize(f, 1<<20), path)
		if err != nil {
			return nil, nil, errors.Wrap(err, "weights")
		}
		if stripped, ok := stripPrefix(ts, "module."); ok {
			ts = stripped
			if meta == nil {
				meta = map[string]string{}
			}
			meta["stripped_prefix"] = "module."
		}
		return ts, meta, nil
	case TorchZip:
		top, err := readTorchZip(f, st.Size())
		if err != nil {
			return nil, nil, errors.Wrapf(err, "weights: %s (torch.save zip)", path)
		}
		ts, meta, err := stateDict(top)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "weights: %s", path)
		}
		meta["format"] = "pt"
		return ts, meta, nil
	case TorchLegacy:
		return nil, nil, errors.Errorf("weights: %s is in PyTorch's legacy (pre-1.6, non-zip) format, which is not read; "+
			"re-save it with a PyTorch >= 1.6: torch.save(torch.load(%q), \"new.pt\", _use_new_zipfile_serialization=True)", path, path)
	}
	return nil, nil, errors.Errorf("weights: %s is neither safetensors nor a torch.save zip (first bytes %q)", path, head)
}

// stateDict finds the state_dict in an unpickled torch.save value.
func stateDict(top any) (map[string]*tensor.Dense, map[string]string, error) {
	d, ok := top.(*pyDict)
	if !ok {
		return nil, nil, errors.Errorf("the pickle holds a %s, not a state_dict (save model.state_dict())", typeName(top))
	}
	meta := map[string]string{}
	sd := d
	if !hasTensor(d) {
		sd = nil
		for _, w := range wrapperKeys {
			if sub, ok := d.m[w].(*pyDict); ok && hasTensor(sub) {
				sd = sub
				meta["checkpoint_key"] = w
				break
			}
		}
		if sd == nil {
			return nil, nil, errors.Errorf("no state_dict found: the top-level dict has no tensors and none under %s (its keys: %s)",
				strings.Join(wrapperKeys, ", "), keyList(d))
		}
		for _, k := range d.keys {
			ks, ok := k.(string)
			switch v := d.m[k].(type) {
			case string, int64, float64, bool:
				if ok {
					meta[ks] = fmt.Sprint(v)
				}
			}
		}
	}
	ts := make(map[string]*tensor.Dense, len(sd.keys))
	for _, k := range sd.keys {
		ks, ok := k.(string)
		if !ok {
			return nil, nil, errors.Errorf("state_dict key %v is a %s, not a string", k, typeName(k))
		}
		t, ok := sd.m[k].(*tensor.Dense)
		if !ok {
			return nil, nil, errors.Errorf("state_dict entry %q is a %s, not a tensor", ks, typeName(sd.m[k]))
		}
		ts[ks] = t
	}
	if stripped, ok := stripPrefix(ts, "module."); ok {
		ts = stripped
		meta["stripped_prefix"] = "module."
	}
	return ts, meta, nil
}

func hasTensor(d *pyDict) bool {
	for _, v := range d.m {
		if _, ok := v.(*tensor.Dense); ok {
			return true
		}
	}
	return false
}

func keyList(d *pyDict) string {
	var ks []string
	for _, k := range d.keys {
		ks = append(ks, fmt.Sprintf("%q", fmt.Sprint(k)))
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// stripPrefix removes prefix from every key when every key has it.
func stripPrefix(ts map[string]*tensor.Dense, prefix string) (map[string]*tensor.Dense, bool) {
	if len(ts) == 0 {
		return nil, false
	}
	out := make(map[string]*tensor.Dense, len(ts))
	for k, t := range ts {
		s, ok := strings.CutPrefix(k, prefix)
		if !ok {
			return nil, false
		}
		out[s] = t
	}
	return out, true
}

func sortedKeys(ts map[string]*tensor.Dense) []string {
	ks := make([]string, 0, len(ts))
	for k := range ts {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
