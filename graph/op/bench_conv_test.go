package op

import (
	"github.com/convzoo/convzoo/graph/op/internal/gemm"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchConv times one TapeMachine step over float32 x and w: the
// convolution alone (forward) or with the gradients of sum(y) for x and w
// (backward), with Gorgonia's G.Conv2d (stock) or this package's Conv2d
// (custom).
func benchConv(b *testing.B, xs, ws []int, pad int, custom, backward bool) {
	rng := rand.New(rand.NewSource(1))
	g := G.NewGraph()
	x := G.NodeFromAny(g, toF32(randTensor(rng, xs...)), G.WithName("x"))
	w := G.NodeFromAny(g, toF32(randTensor(rng, ws...)), G.WithName("w"))
	var y *G.Node
	var err error
	if custom {
		y, err = Conv2d(x, w, nil, ConvParams{PadH: pad, PadW: pad})
	} else {
		y, err = G.Conv2d(x, w, tensor.Shape{ws[2], ws[3]}, []int{pad, pad}, []int{1, 1}, []int{1, 1})
	}
	if err != nil {
		b.Fatal(err)
	}
	if backward {
		flat, err := G.Reshape(y, tensor.Shape{y.Shape().TotalSize()})
		if err != nil {
			b.Fatal(err)
		}
		cost, err := G.Sum(flat, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := G.Grad(cost, x, w); err != nil {
			b.Fatal(err)
		}
	}
	benchTape(b, g)
}

// benchTape times one TapeMachine step over g. The machine runs once
// before the timer starts (the ops allocate their buffers then), so
// allocs/op is the steady state.
func benchTape(b *testing.B, g *G.ExprGraph) {
	b.Helper()
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	step := func() {
		if err := vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		vm.Reset()
	}
	step()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
}

func benchConvCases(b *testing.B, xs, ws []int, pad int) {
	for _, pass := range []struct {
		name     string
		backward bool
	}{{"forward", false}, {"backward", true}} {
		// custom-1worker measures what the batch parallelism buys.
		for _, impl := range []struct {
			name    string
			custom  bool
			workers int
		}{{"stock", false, gemm.MaxWorkers}, {"custom", true, gemm.MaxWorkers}, {"custom-1worker", true, 1}} {
			b.Run(pass.name+"/"+impl.name, func(b *testing.B) {
				defer func(w int) { gemm.MaxWorkers = w }(gemm.MaxWorkers)
				gemm.MaxWorkers = impl.workers
				benchConv(b, xs, ws, pad, impl.custom, pass.backward)
			})
		}
	}
}

// BenchmarkConv2dLeNet: LeNet-5's two convolutions at batch 64.
func BenchmarkConv2dLeNet(b *testing.B) {
	b.Run("conv1", func(b *testing.B) { benchConvCases(b, []int{64, 1, 28, 28}, []int{6, 1, 5, 5}, 2) })
	b.Run("conv2", func(b *testing.B) { benchConvCases(b, []int{64, 6, 14, 14}, []int{16, 6, 5, 5}, 0) })
}

// BenchmarkConv2dResNet: a ResNet-18 layer1 3x3 convolution at batch 8.
func BenchmarkConv2dResNet(b *testing.B) {
	benchConvCases(b, []int{8, 64, 56, 56}, []int{64, 64, 3, 3}, 1)
}

// zooConvs are convolutions of the zoo's models at 224² (batch 1 unless
// the name says otherwise), as (x, w, params).
var zooConvs = []struct {
	name string
	x, w []int
	p    ConvParams
}{
	{"resnet18_conv1", []int{1, 3, 224, 224}, []int{64, 3, 7, 7}, ConvParams{StrideH: 2, StrideW: 2, PadH: 3, PadW: 3}},
	{"resnet18_layer1", []int{1, 64, 56, 56}, []int{64, 64, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
	{"resnet18_layer2_s2", []int{1, 64, 56, 56}, []int{128, 64, 3, 3}, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
	{"resnet18_layer2", []int{1, 128, 28, 28}, []int{128, 128, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
	{"resnet18_layer3", []int{1, 256, 14, 14}, []int{256, 256, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
	{"resnet18_layer4", []int{1, 512, 7, 7}, []int{512, 512, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
	{"resnet50_1x1_expand", []int{1, 64, 56, 56}, []int{256, 64, 1, 1}, ConvParams{}},
	{"resnet50_1x1_s2", []int{1, 512, 28, 28}, []int{1024, 512, 1, 1}, ConvParams{StrideH: 2, StrideW: 2}},
	{"vgg16_conv1_2", []int{1, 64, 224, 224}, []int{64, 64, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
	{"vgg16_conv3_2", []int{1, 256, 56, 56}, []int{256, 256, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
	{"googlenet_5x5", []int{1, 16, 28, 28}, []int{32, 16, 5, 5}, ConvParams{PadH: 2, PadW: 2}},
	{"googlenet_3x3", []int{1, 96, 28, 28}, []int{128, 96, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
	{"resnet18_layer1_b8", []int{8, 64, 56, 56}, []int{64, 64, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
	{"resnet20_stage2_b64", []int{64, 32, 16, 16}, []int{32, 32, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
}

// BenchmarkConv2dZoo times the float32 forward kernel alone on zooConvs,
// with the worker pool (GFLOP/s counts the GEMM's multiply-adds; cpu-ms/op
// is the CPU time of all threads, steadier than wall time on a busy
// machine).
// go test ./graph/op -run - -bench Conv2dZoo
func BenchmarkConv2dZoo(b *testing.B) {
	for _, c := range zooConvs {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewSource(1))
			x, w := toF32(randTensor(rng, c.x...)), toF32(randTensor(rng, c.w...))
			k := &convKernel{p: c.p}
			shape, err := k.outShape([]tensor.Shape{x.Shape(), w.Shape()})
			if err != nil {
				b.Fatal(err)
			}
			out := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
			benchKernel(b, k, []*tensor.Dense{x, w}, out, 2*float64(shape.TotalSize()*c.w[1]*c.w[2]*c.w[3]))
		})
	}
}

// benchKernel times k.forward(in, out) (run once before the timer: the
// steady state) and reports GFLOP/s for flops a call and cpu-ms/op, the
// CPU time of all threads.
func benchKernel(b *testing.B, k kernel, in []*tensor.Dense, out *tensor.Dense, flops float64) {
	b.Helper()
	run := func() {
		if err := k.forward(in, out); err != nil {
			b.Fatal(err)
		}
	}
	run()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		run()
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
}

// BenchmarkConv2dResNet20: ResNet-20's three 3x3 convolutions at batch 64
// (CIFAR, 32²), forward and with both gradients.
func BenchmarkConv2dResNet20(b *testing.B) {
	for _, s := range []struct {
		name   string
		xs, ws []int
	}{
		{"stage1", []int{64, 16, 32, 32}, []int{16, 16, 3, 3}},
		{"stage2", []int{64, 32, 16, 16}, []int{32, 32, 3, 3}},
		{"stage3", []int{64, 64, 8, 8}, []int{64, 64, 3, 3}},
	} {
		for _, backward := range []bool{false, true} {
			name := s.name + "/forward"
			if backward {
				name = s.name + "/backward"
			}
			b.Run(name, func(b *testing.B) {
				cpu0 := cpuTime()
				benchConv(b, s.xs, s.ws, 1, true, backward)
				b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
			})
		}
	}
}
