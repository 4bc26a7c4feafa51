package zoo

import (
	"math"
	"math/rand"
	"runtime"
	"testing"
	"time"

	"github.com/convzoo/convzoo/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// forwardGraph builds spec's model as an evaluation graph of batch n at
// its default input over a fresh store, with random input bound.
func forwardGraph(tb testing.TB, s Spec, dtype tensor.Dtype, n int) (*graph.Builder, *G.Node) {
	tb.Helper()
	b := graph.NewBuilder(graph.NewParams(), graph.Config{Dtype: dtype, Rand: rand.New(rand.NewSource(1))})
	x := b.Input("x", n, s.Input[0], s.Input[1], s.Input[2])
	y := s.New(Config{})(b, x)
	if err := b.Err(); err != nil {
		tb.Fatal(err)
	}
	size := n * s.Input[0] * s.Input[1] * s.Input[2]
	rng := rand.New(rand.NewSource(3))
	var in *tensor.Dense
	if dtype == tensor.Float64 {
		d := make([]float64, size)
		for i := range d {
			d[i] = rng.NormFloat64()
		}
		in = tensor.New(tensor.WithShape(n, s.Input[0], s.Input[1], s.Input[2]), tensor.WithBacking(d))
	} else {
		d := make([]float32, size)
		for i := range d {
			d[i] = float32(rng.NormFloat64())
		}
		in = tensor.New(tensor.WithShape(n, s.Input[0], s.Input[1], s.Input[2]), tensor.WithBacking(d))
	}
	if err := G.Let(x, in); err != nil {
		tb.Fatal(err)
	}
	return b, y
}

// TestForward runs every registered model forward once at its default
// input in evaluation mode and checks that the logits are finite. The
// 224x224 ImageNet models are skipped under -short; LeNet-5 and the CIFAR
// ResNets also run in float64.
func TestForward(t *testing.T) {
	for _, s := range Specs() {
		dtypes := []tensor.Dtype{tensor.Float32}
		if s.Input[1] <= 32 {
			dtypes = append(dtypes, tensor.Float64)
		}
		for _, dt := range dtypes {
			t.Run(s.Name+"/"+dt.String(), func(t *testing.T) {
				if s.Input[1] >= 224 && testing.Short() {
					t.Skip("224x224 forward; skipped under -short")
				}
				b, y := forwardGraph(t, s, dt, 1)
				vm := G.NewTapeMachine(b.Graph())
				defer vm.Close()
				start := time.Now()
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				t.Logf("forward %v", time.Since(start))
				var out []float64
				switch d := y.Value().Data().(type) {
				case []float32:
					for _, v := range d {
						out = append(out, float64(v))
					}
				case []float64:
					out = d
				}
				if len(out) != s.Classes {
					t.Fatalf("%d logits, want %d", len(out), s.Classes)
				}
				for i, v := range out {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("logit %d is %v", i, v)
					}
				}
			})
			runtime.GC()
		}
	}
}

// BenchmarkForward224 times one batch-1 evaluation forward pass of each
// ImageNet model at 224x224, in float32. Skipped under -short.
func BenchmarkForward224(bm *testing.B) {
	if testing.Short() {
		bm.Skip("long; skipped under -short")
	}
	for _, s := range Specs() {
		if s.Input[1] != 224 {
			continue
		}
		bm.Run(s.Name, func(bm *testing.B) {
			b, _ := forwardGraph(bm, s, tensor.Float32, 1)
			vm := G.NewTapeMachine(b.Graph())
			defer vm.Close()
			bm.ResetTimer()
			start := time.Now()
			for range bm.N {
				if err := vm.RunAll(); err != nil {
					bm.Fatal(err)
				}
				vm.Reset()
			}
			bm.ReportMetric(time.Since(start).Seconds()/float64(bm.N), "s/forward")
		})
		runtime.GC()
	}
}
