package zoo

import (
	"math"
	"math/rand"
	"runtime"
	"testing"
	"time"

	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

// forwardNet compiles spec's model for batch n at its default input over
// a fresh store and returns it with a random input.
func forwardNet(tb testing.TB, s Spec, dtype tensor.Dtype, n int) (*graph.Net, *tensor.Dense) {
	tb.Helper()
	net, err := graph.Compile(s.New(Config{}), graph.NewParams(), graph.CompileConfig{Batch: n, Input: s.Input[:], Dtype: dtype})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { net.Close() })
	shape := []int{n, s.Input[0], s.Input[1], s.Input[2]}
	in := tensor.New(tensor.WithShape(shape...), tensor.Of(dtype))
	rng := rand.New(rand.NewSource(3))
	switch d := in.Data().(type) {
	case []float64:
		for i := range d {
			d[i] = rng.NormFloat64()
		}
	case []float32:
		for i := range d {
			d[i] = float32(rng.NormFloat64())
		}
	}
	return net, in
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
				net, in := forwardNet(t, s, dt, 1)
				start := time.Now()
				y, err := net.Forward(in)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("forward %v", time.Since(start))
				var out []float64
				switch d := y.Data().(type) {
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
			benchForward(bm, s)
		})
		runtime.GC()
	}
}

// BenchmarkBatch1 times graph.Net.Forward at batch 1, the latency of a
// server predicting one request at a time, for a small and a large model
// (go test -run '^$' -bench Batch1 -benchmem ./zoo/).
func BenchmarkBatch1(bm *testing.B) {
	for _, name := range []string{"lenet", "resnet20", "resnet18"} {
		s, err := Get(name)
		if err != nil {
			bm.Fatal(err)
		}
		bm.Run(name, func(bm *testing.B) { benchForward(bm, s) })
		runtime.GC()
	}
}

// benchForward times Forward of spec's model at batch 1 in float32.
func benchForward(bm *testing.B, s Spec) {
	net, in := forwardNet(bm, s, tensor.Float32, 1)
	if _, err := net.Forward(in); err != nil { // warm-up: first-call buffers
		bm.Fatal(err)
	}
	bm.ReportAllocs()
	bm.ResetTimer()
	start := time.Now()
	for range bm.N {
		if _, err := net.Forward(in); err != nil {
			bm.Fatal(err)
		}
	}
	bm.ReportMetric(time.Since(start).Seconds()/float64(bm.N), "s/forward")
}
