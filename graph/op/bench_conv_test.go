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
// (custom). The machine runs once before the timer starts, so allocs/op
// is the steady state.
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
