package graph

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

func testParams() *Params {
	ps := NewParams()
	ps.Add("conv1.weight", tensor.New(tensor.WithShape(2, 1, 2, 2), tensor.WithBacking([]float32{1, -2, 3.5, 1e-30, 7, 8, 9, -0}), tensor.Of(tensor.Float32)), true)
	ps.Add("bn1.running_var", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float32{1, 2, 3})), false)
	ps.Add("fc.bias", tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{0.1, 0.2})), true)
	return ps
}

func TestParamsCountsAndOrder(t *testing.T) {
	ps := testParams()
	if got := strings.Join(ps.Names(), ","); got != "conv1.weight,bn1.running_var,fc.bias" {
		t.Fatalf("order %s", got)
	}
	tr, total := ps.Count()
	if tr != 10 || total != 13 {
		t.Fatalf("Count = %d, %d; want 10, 13", tr, total)
	}
	if _, err := ps.Add("fc.bias", tensor.New(tensor.WithShape(1), tensor.Of(tensor.Float32)), true); err == nil {
		t.Fatal("duplicate name accepted")
	}
}

func TestParamsCloneIsDeep(t *testing.T) {
	ps := testParams()
	c := ps.Clone()
	c.Map()["fc.bias"].Data().([]float32)[0] = 42
	if ps.Map()["fc.bias"].Data().([]float32)[0] != 0.1 {
		t.Fatal("Clone shares data with the original")
	}
	if strings.Join(c.Names(), ",") != strings.Join(ps.Names(), ",") {
		t.Fatal("Clone changed the order")
	}
}

func TestSafetensorsRoundTripBitExact(t *testing.T) {
	ps := testParams()
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := ps.Save(path, map[string]string{"model": "test"}); err != nil {
		t.Fatal(err)
	}
	ps2 := testParams()
	for _, p := range ps2.All() {
		p.Value.Zero()
	}
	meta, err := ps2.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta["model"] != "test" {
		t.Fatalf("metadata %v", meta)
	}
	for _, name := range ps.Names() {
		a := ps.Map()[name].Data().([]float32)
		b := ps2.Map()[name].Data().([]float32)
		for i := range a {
			if (a[i] != b[i]) || (a[i] == 0 && 1/a[i] != 1/b[i]) {
				t.Fatalf("%s[%d]: %v != %v", name, i, a[i], b[i])
			}
		}
	}
	// The file is the format itself: header length, JSON, data.
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte(`"conv1.weight":{"dtype":"F32","shape":[2,1,2,2],"data_offsets":[`)) {
		t.Fatalf("header not in safetensors format: %s", raw[8:200])
	}
}

func TestLoadReportsEveryBadKey(t *testing.T) {
	src := NewParams()
	src.Add("conv1.weight", tensor.New(tensor.WithShape(2, 1, 3, 3), tensor.Of(tensor.Float32)), true) // mis-shaped
	src.Add("fc.bias", tensor.New(tensor.WithShape(2), tensor.Of(tensor.Float32)), true)
	src.Add("extra.weight", tensor.New(tensor.WithShape(1), tensor.Of(tensor.Float32)), true) // unexpected
	path := filepath.Join(t.TempDir(), "bad.safetensors")
	if err := src.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	ps := testParams() // lacks extra.weight, has bn1.running_var (missing from file)
	before := append([]float32(nil), ps.Map()["fc.bias"].Data().([]float32)...)
	_, err := ps.Load(path)
	if err == nil {
		t.Fatal("loaded a mismatched file")
	}
	for _, want := range []string{"missing keys: bn1.running_var", "unexpected keys: extra.weight", "conv1.weight: have float32(2, 1, 2, 2), file has float32(2, 1, 3, 3)", "bad.safetensors"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if ps.Map()["fc.bias"].Data().([]float32)[0] != before[0] {
		t.Error("a failed load changed the parameters")
	}
}

func TestReadSafetensorsRejectsCorruptFiles(t *testing.T) {
	var good bytes.Buffer
	if err := WriteSafetensors(&good, testParams().Map(), nil); err != nil {
		t.Fatal(err)
	}
	g := good.Bytes()
	cases := map[string][]byte{
		"empty":          {},
		"huge header":    append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0}, g[8:]...),
		"truncated data": g[:len(g)-3],
		"trailing bytes": append(append([]byte{}, g...), 1, 2, 3),
		"bad json":       append(append([]byte{}, g[:8]...), bytes.Repeat([]byte{'{'}, len(g)-8)...),
	}
	for name, b := range cases {
		if _, _, err := ReadSafetensors(bytes.NewReader(b), "case.safetensors"); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.Contains(err.Error(), "case.safetensors") {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
}
