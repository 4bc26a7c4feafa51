package graph

import (
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
