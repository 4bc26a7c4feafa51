package op

import (
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchFuse times one float32 TapeMachine step of conv-bn-relu (conv+bias
// -relu without bn) at batch 1 as separate ops and as FuseConv, and, with
// bn, on their own, the two ways to apply the fold at every step: a pass
// over the output (what FuseConv does) and a pass scaling the weights
// (what folding into w' would add).
func benchFuse(b *testing.B, xs, ws []int, p ConvParams, bn bool) {
	rng := rand.New(rand.NewSource(1))
	o := ws[0]
	for _, mode := range []string{"separate", "fused"} {
		b.Run(mode, func(b *testing.B) {
			g := G.NewGraph()
			x := G.NodeFromAny(g, toF32(randTensor(rng, xs...)), G.WithName("x"))
			w := G.NodeFromAny(g, toF32(randTensor(rng, ws...)), G.WithName("w"))
			gamma := G.NodeFromAny(g, toF32(randTensor(rng, o)), G.WithName("gamma"))
			beta := G.NodeFromAny(g, toF32(randTensor(rng, o)), G.WithName("beta"))
			stats := bnStats(tensor.Float32, o, 0.1, 2)
			var bias *G.Node
			if !bn {
				bias = beta
			}
			y, err := Conv2d(x, w, bias, p)
			switch {
			case err != nil:
			case mode == "fused" && bn:
				y, err = FuseConv(y, Fusion{BN: &BNFold{Gamma: gamma, Beta: beta, Stats: stats, Eps: 1e-5}, ReLU: true})
			case mode == "fused":
				y, err = FuseConv(y, Fusion{ReLU: true})
			case bn:
				if y, err = BatchNorm(y, gamma, beta, stats, BNParams{Eps: 1e-5}); err == nil {
					y, err = ReLU(y)
				}
			default:
				y, err = ReLU(y)
			}
			if err != nil {
				b.Fatal(err)
			}
			benchTape(b, g.ExactSubgraphRoots(y))
		})
	}
	if !bn {
		return
	}
	g := newConvGeom(xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], p)
	out := make([]float32, g.outC*g.ohw)
	scale := make([]float32, o)
	for i := range scale {
		scale[i] = 0.5
	}
	b.Run("fold=output-pass", func(b *testing.B) {
		e := convEpilogue[float32]{scale: scale, shift: make([]float32, o), out: out, c: o, hw: g.ohw, relu: true}
		for b.Loop() {
			e.RunRange(0, 0, o)
		}
	})
	w, wf := make([]float32, tensor.Shape(ws).TotalSize()), make([]float32, tensor.Shape(ws).TotalSize())
	b.Run("fold=weight-pass", func(b *testing.B) {
		per := len(w) / o
		for b.Loop() {
			for c := range o {
				for i, v := range w[c*per : (c+1)*per] {
					wf[c*per+i] = v * scale[c]
				}
			}
		}
	})
}

// BenchmarkFuseConvResNet18: ResNet-18's conv1 (large output, small
// weights), a layer1 and a layer4 3x3 convolution (small output, large
// weights), at batch 1.
func BenchmarkFuseConvResNet18(b *testing.B) {
	b.Run("conv1", func(b *testing.B) {
		benchFuse(b, []int{1, 3, 224, 224}, []int{64, 3, 7, 7}, ConvParams{StrideH: 2, StrideW: 2, PadH: 3, PadW: 3}, true)
	})
	b.Run("layer1", func(b *testing.B) {
		benchFuse(b, []int{1, 64, 56, 56}, []int{64, 64, 3, 3}, ConvParams{PadH: 1, PadW: 1}, true)
	})
	b.Run("layer4", func(b *testing.B) {
		benchFuse(b, []int{1, 512, 7, 7}, []int{512, 512, 3, 3}, ConvParams{PadH: 1, PadW: 1}, true)
	})
}

// BenchmarkFuseConvVGG16: VGG-16's first convolution with its bias and
// ReLU (the largest output of the net, 3.2M values) at batch 1.
func BenchmarkFuseConvVGG16(b *testing.B) {
	benchFuse(b, []int{1, 3, 224, 224}, []int{64, 3, 3, 3}, ConvParams{PadH: 1, PadW: 1}, false)
}
