package gemm

import (
	"fmt"
	"math/rand"
	"sync"
	"testing"
)

// zooShapes are the products the zoo's float32 convolutions run (M =
// output channels, N = output pixels or Winograd tiles, K = input
// channels × kernel area), each with the path that runs it: "panels"
// (PanelJob, B built as panels: batch-1 inference from 65 output
// channels), "packed" (PackedA.Gemm, B stored: a batch's forward, and
// Winograd's per-ξ products of a 128-tile chunk), "gemm" (Gemm).
var zooShapes = []struct {
	name    string
	path    string
	m, n, k int
}{
	{"r18_conv2_b1", "gemm", 64, 3136, 576},
	{"r18_conv3_b1", "panels", 128, 784, 1152},
	{"r18_conv4_b1", "panels", 256, 196, 2304},
	{"r18_conv5_b1", "panels", 512, 49, 4608},
	{"r50_1x1_256_64", "gemm", 256, 3136, 64},
	{"r50_1x1_64_256", "gemm", 64, 3136, 256},
	{"r50_1x1_2048_512", "gemm", 2048, 49, 512},
	{"r50_1x1_512_2048", "gemm", 512, 49, 2048},
	{"wino_64", "packed", 64, 128, 64},
	{"wino_128", "packed", 128, 128, 128},
	{"wino_256", "packed", 256, 128, 256},
	{"wino_512", "packed", 512, 128, 512},
	{"lenet_conv1", "packed", 6, 784, 25},
	{"r20_s1", "packed", 16, 1024, 144},
	{"r20_s2", "packed", 32, 256, 288},
	{"r20_s3", "packed", 64, 64, 576},
	{"r20_dx_s1", "packedT", 144, 1024, 16},
	{"r20_dx_s3", "packedT", 576, 64, 64},
}

// BenchmarkSgemmZoo reports the GFLOP/s of one thread on each of
// zooShapes' products, on the path the zoo takes for it.
// go test ./graph/op/internal/gemm -run - -bench SgemmZoo
func BenchmarkSgemmZoo(b *testing.B) {
	if asmKernels == nil {
		b.Skip("no assembly kernels on this CPU")
	}
	defer func(w int) { MaxWorkers = w }(MaxWorkers)
	MaxWorkers = 1
	for _, s := range zooShapes {
		rng := rand.New(rand.NewSource(1))
		a, bm, c := normals(rng, s.m*s.k), normals(rng, s.k*s.n), make([]float32, s.m*s.n)
		var f func()
		switch s.path {
		case "gemm":
			f = func() { Gemm(false, false, s.m, s.n, s.k, a, s.k, bm, s.n, 0, c, s.n) }
		case "packed", "packedT":
			var p PackedA
			if s.path == "packedT" {
				p.Pack(true, s.m, s.n, s.k, a, s.m)
			} else {
				p.Pack(false, s.m, s.n, s.k, a, s.k)
			}
			f = func() { p.Gemm(s.n, bm, s.n, 0, c, s.n) }
		case "panels":
			var wg sync.WaitGroup
			j := PanelJob{M: s.m, N: s.n, K: s.k, A: a, LDA: s.k, B: &storedPanels{bm, s.n}, C: c, LDC: s.n}
			f = func() { j.Run(&wg) }
		}
		flops := 2 * float64(s.m*s.n*s.k)
		b.Run(fmt.Sprintf("%s_%dx%dx%d/%s", s.name, s.m, s.n, s.k, s.path), func(b *testing.B) {
			defer reportCPU(b, flops)()
			for b.Loop() {
				f()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkKernel reports the micro-kernel's GFLOP/s on packed panels
// that stay in the L1 cache (k = 256): the ceiling of every product.
// This CPU's peak is 2 FMA pipes × 8 lanes × 2 flops × the clock.
func BenchmarkKernel(b *testing.B) {
	if asmKernels == nil {
		b.Skip("no assembly kernels on this CPU")
	}
	const k = 256
	rng := rand.New(rand.NewSource(1))
	a, bp, c := normals(rng, mr*k), normals(rng, k*nr), make([]float32, mr*nr)
	kern := asmKernels.tile
	defer reportCPU(b, 2*mr*nr*k)()
	for b.Loop() {
		kern(k, &a[0], 1, mr, &bp[0], nr, &c[0], nr, 0, 0)
	}
	b.ReportMetric(2*mr*nr*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// reportCPU adds the metric GFLOP/s-cpu, flops per call over the
// process's CPU time (cpuTime), which, unlike the wall time, does not
// count the time other processes of a shared machine held the core.
// Call it before the loop and its result after.
func reportCPU(b *testing.B, flops float64) func() {
	t0 := cpuTime()
	return func() {
		if t := cpuTime() - t0; t > 0 {
			b.ReportMetric(flops*float64(b.N)/t.Seconds()/1e9, "GFLOP/s-cpu")
		}
	}
}
