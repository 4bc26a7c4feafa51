package graph

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// Each of these panicked before; now each is an error naming the thing.
func TestParamsMisuseIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := testParams().Save(path, nil); err != nil {
		t.Fatal(err)
	}
	var nilStore *Params
	weight := func() *tensor.Dense { return tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, 2})) }
	noData := tensor.New(tensor.Of(tensor.Float32)) // shape () but no value
	cases := map[string]struct {
		f    func() error
		want []string
	}{
		"Load on a nil store":   {func() error { _, err := nilStore.Load(path); return err }, []string{"nil *Params"}},
		"CopyFrom, nil store":   {func() error { return nilStore.CopyFrom(testParams().Map()) }, []string{"nil *Params"}},
		"Add to a nil store":    {func() error { _, err := nilStore.Add("w", weight(), true); return err }, []string{"nil *Params"}},
		"Add a zero tensor":     {func() error { _, err := NewParams().Add("w", &tensor.Dense{}, true); return err }, []string{`"w"`, "zero tensor.Dense"}},
		"Add a tensor, no data": {func() error { _, err := NewParams().Add("w", noData, true); return err }, []string{`"w"`, "holds 0 values, want 1"}},
		"Add a nil tensor":      {func() error { _, err := NewParams().Add("w", nil, true); return err }, []string{`"w"`, "nil tensor"}},
		"Add __metadata__":      {func() error { _, err := NewParams().Add("__metadata__", weight(), true); return err }, []string{`"__metadata__"`, "reserved"}},
		"Add an empty name":     {func() error { _, err := NewParams().Add("", weight(), true); return err }, []string{"empty parameter name"}},
		"CopyFrom a nil tensor": {func() error {
			src := testParams().Map()
			src["fc.bias"] = nil
			return testParams().CopyFrom(src)
		}, []string{"fc.bias: nil tensor"}},
		"CopyFrom a zero tensor": {func() error {
			src := testParams().Map()
			src["fc.bias"] = &tensor.Dense{}
			return testParams().CopyFrom(src)
		}, []string{"fc.bias: tensor has no dtype"}},
	}
	for name, c := range cases {
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", name, r)
				}
			}()
			return c.f()
		}()
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", name, err, w)
			}
		}
	}
	// The zero Params is an empty store.
	var zero Params
	if _, err := zero.Add("w", weight(), true); err != nil || zero.Len() != 1 {
		t.Errorf("zero Params: Add %v, Len %d", err, zero.Len())
	}
}

// TestNilParamsReadsEmpty: a nil *Params reads as an empty store and Save
// on it is an error; each of these panicked with a nil dereference.
func TestNilParamsReadsEmpty(t *testing.T) {
	var ps *Params
	if _, ok := ps.Get("x"); ok {
		t.Error("Get found a parameter in a nil store")
	}
	tr, total := ps.Count()
	if ps.Len() != 0 || len(ps.Names()) != 0 || len(ps.All()) != 0 || len(ps.Trainable()) != 0 || len(ps.Map()) != 0 || tr != 0 || total != 0 {
		t.Error("a nil store is not empty")
	}
	if c := ps.Clone(); c == nil || c.Len() != 0 {
		t.Errorf("Clone of a nil store: %v", c)
	} else if _, err := c.Add("a", tensor.New(tensor.WithShape(1), tensor.Of(tensor.Float32)), true); err != nil {
		t.Errorf("the clone of a nil store is not usable: %v", err)
	}
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := ps.Save(path, nil); err == nil || !strings.Contains(err.Error(), "nil *Params") {
		t.Errorf("Save of a nil store: %v", err)
	}
	if _, err := os.Lstat(path); err == nil {
		t.Error("Save of a nil store wrote a file")
	}
}
