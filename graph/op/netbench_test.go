package op_test

import (
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/graph/op"
	"github.com/convzoo/convzoo/zoo"
	"gorgonia.org/tensor"
)

// BenchmarkNetFastPaths times the batch-1 forward of zoo models at 224²
// with the k×k max-pooling kernel and the split Winograd filter check on
// ("fast") and off ("slow"), alternating the two call by call in one
// process so that the load of a shared machine falls on both alike; it
// reports the median ms of each and slow/fast.
func BenchmarkNetFastPaths(b *testing.B) {
	for _, name := range []string{"resnet18", "resnet50", "googlenet"} {
		b.Run(name, func(b *testing.B) {
			s, err := zoo.Get(name)
			if err != nil {
				b.Fatal(err)
			}
			net, err := graph.Compile(s.New(zoo.Config{}), graph.NewParams(), graph.CompileConfig{Input: []int{3, 224, 224}})
			if err != nil {
				b.Fatal(err)
			}
			defer net.Close()
			x := tensor.New(tensor.WithShape(1, 3, 224, 224), tensor.Of(tensor.Float32))
			rng := rand.New(rand.NewSource(1))
			for i, d := 0, x.Data().([]float32); i < len(d); i++ {
				d[i] = float32(rng.NormFloat64())
			}
			var fast, slow []float64
			run := func(on bool) float64 {
				defer op.SetFastPaths(on)()
				t0 := time.Now()
				if _, err := net.Forward(x); err != nil {
					b.Fatal(err)
				}
				return float64(time.Since(t0).Microseconds()) / 1000
			}
			run(true) // the kept filters
			for b.Loop() {
				fast = append(fast, run(true))
				slow = append(slow, run(false))
			}
			median := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
			f, sl := median(fast), median(slow)
			b.ReportMetric(f, "fast-ms")
			b.ReportMetric(sl, "slow-ms")
			b.ReportMetric(sl/f, "slow/fast")
		})
	}
}
