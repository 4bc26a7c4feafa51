package op

import (
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestBatchNormGrad checks the gradients with respect to x, gamma and
// beta against finite differences: in training they flow through the
// batch mean and variance.
func TestBatchNormGrad(t *testing.T) {
	for _, tc := range []struct {
		name  string
		shape []int
		train bool
	}{
		{"train4D", []int{3, 2, 2, 3}, true},
		{"train2D", []int{5, 3}, true},
		{"eval4D", []int{2, 3, 2, 2}, false},
		{"eval2D", []int{4, 2}, false},
		// Planes of 36 and 45: the float32 kernels' 8-wide rounds and tails.
		{"train4D-wide", []int{2, 3, 6, 6}, true},
		{"train4D-odd", []int{3, 2, 5, 9}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(3))
			c := tc.shape[1]
			x, gamma, beta := randTensor(rng, tc.shape...), randTensor(rng, c), randTensor(rng, c)
			p := BNParams{Eps: 1e-5, Momentum: 0.1, Training: tc.train}
			build := bnBuild(p, 0.2, 0.7)
			checkGrad(t, build, []*tensor.Dense{x, gamma, beta}, []bool{true, true, true})
			t.Run("float32", func(t *testing.T) {
				checkF32(t, build, x, gamma, beta)
				checkGradF32(t, build, x, gamma, beta)
			})
		})
	}
}

// BenchmarkBatchNormTrain: forward and backward of a ResNet-sized batch
// norm, float32, 8x64x56x56.
func BenchmarkBatchNormTrain(b *testing.B) {
	g := G.NewGraph()
	f32 := tensor.Float32
	rng := rand.New(rand.NewSource(1))
	x := G.NodeFromAny(g, toF32(randTensor(rng, 8, 64, 56, 56)), G.WithName("x"))
	gamma := G.NodeFromAny(g, testFill(f32, []float64{1}, 64), G.WithName("gamma"))
	beta := G.NodeFromAny(g, testFill(f32, []float64{0}, 64), G.WithName("beta"))
	y, err := BatchNorm(x, gamma, beta, bnStats(f32, 64, 0, 1), BNParams{Eps: 1e-5, Momentum: 0.1, Training: true})
	if err != nil {
		b.Fatal(err)
	}
	benchBackprop(b, g, y, x, gamma, beta)
}

// benchBackprop times forward+backward of y with a fixed upstream gradient
// (no cost reduction, so only the op under test is measured).
func benchBackprop(b *testing.B, g *G.ExprGraph, y *G.Node, wrt ...*G.Node) {
	b.Helper()
	rng := rand.New(rand.NewSource(2))
	dy := G.NodeFromAny(g, toF32(randTensor(rng, y.Shape()...)), G.WithName("dy"))
	if _, err := G.Backpropagate(G.Nodes{y}, G.Nodes{dy}, wrt); err != nil {
		b.Fatal(err)
	}
	benchTape(b, g)
}
