package weights

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

func store() *graph.Params {
	ps := graph.NewParams()
	ps.Add("conv.weight", tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{0, 0, 0, 0})), true)
	ps.Add("bn.running_mean", tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{0, 0})), false)
	return ps
}

func save(t *testing.T, ts map[string]*tensor.Dense) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := graph.WriteSafetensorsFile(path, ts, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadConvertsAndReports(t *testing.T) {
	path := save(t, map[string]*tensor.Dense{
		"conv.weight":            tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{1.5, 2, 3, 1.0 / 3})),
		"bn.running_mean":        tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{7, 8})),
		"bn.num_batches_tracked": tensor.New(tensor.WithShape(), tensor.WithBacking([]int64{5})),
	})
	ps := store()
	rep, err := Load(ps, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := ps.Get("conv.weight")
	if d := w.Value.Data().([]float32); d[0] != 1.5 || d[3] != float32(1.0/3) || w.Value.Dtype() != tensor.Float32 {
		t.Fatalf("float64 file into a float32 store: %v", d)
	}
	if len(rep.Loaded) != 2 || len(rep.Skipped) != 1 || rep.Skipped[0].Key != "bn.num_batches_tracked" {
		t.Fatalf("report %+v", rep)
	}
}

func TestLoadStrictNamesEveryKeyAndChangesNothing(t *testing.T) {
	path := save(t, map[string]*tensor.Dense{
		"conv.weight":            tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]int64{1, 2, 3, 4})),
		"extra":                  tensor.New(tensor.WithShape(1), tensor.WithBacking([]float32{1})),
		"bn.num_batches_tracked": tensor.New(tensor.WithShape(), tensor.WithBacking([]int64{5})),
	})
	ps := store()
	_, err := Load(ps, path, Options{})
	for _, want := range []string{"missing keys: bn.running_mean", "unexpected keys: extra", "conv.weight: have float32(2, 2), file has int64(2, 2)", path} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "num_batches_tracked") {
		t.Errorf("the counter is reported: %v", err)
	}
	w, _ := ps.Get("conv.weight")
	if w.Value.Data().([]float32)[0] != 0 {
		t.Fatal("a failed load changed the store")
	}
	rep, err := Load(ps, path, Options{Partial: true})
	if err == nil || !strings.Contains(err.Error(), "no tensor of") {
		t.Fatalf("partial load with nothing that fits: %v %+v", err, rep)
	}
	if _, err := Load(nil, path, Options{}); err == nil {
		t.Fatal("Load into nil Params")
	}
}

// A DataParallel state_dict saved to safetensors loads too.
func TestLoadStripsModulePrefixFromSafetensors(t *testing.T) {
	path := save(t, map[string]*tensor.Dense{
		"module.conv.weight":     tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1, 2, 3, 4})),
		"module.bn.running_mean": tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{7, 8})),
	})
	rep, err := Load(store(), path, Options{})
	if err != nil || len(rep.Loaded) != 2 || rep.Meta["stripped_prefix"] != "module." {
		t.Fatalf("%v %+v", err, rep)
	}
}
