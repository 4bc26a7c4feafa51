package train

import (
	"math"
	"math/rand"
	"testing"

	"github.com/convzoo/convzoo/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestEvalLossEqualsGraphLoss: the evaluation loss, computed in Go from
// the compiled net's logits, equals the graph's cross-entropy (the
// training loss) on the same logits and labels, with and without label
// smoothing, in float32 and float64.
func TestEvalLossEqualsGraphLoss(t *testing.T) {
	const n, k = 5, 7
	rng := rand.New(rand.NewSource(3))
	z := make([]float64, n*k)
	for i := range z {
		z[i] = 6 * (rng.Float64() - 0.5)
	}
	labels := []int{0, 6, 3, 3, 1}
	for _, eps := range []float64{0, 0.1, 0.5} {
		b := graph.NewBuilder(graph.NewParams(), graph.Config{Dtype: tensor.Float64})
		zn := b.Input("z", n, k)
		yn := b.Input("y", n)
		loss := b.CrossEntropyWith(zn, yn, graph.CrossEntropyOpts{LabelSmoothing: eps})
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
		y := make([]float64, n)
		for i, l := range labels {
			y[i] = float64(l)
		}
		if err := G.Let(zn, tensor.New(tensor.WithShape(n, k), tensor.WithBacking(append([]float64(nil), z...)))); err != nil {
			t.Fatal(err)
		}
		if err := G.Let(yn, tensor.New(tensor.WithShape(n), tensor.WithBacking(y))); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(b.Graph())
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		want, err := scalar(loss.Value())
		vm.Close()
		if err != nil {
			t.Fatal(err)
		}
		got := crossEntropySum(z, k, labels, eps) / n
		if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("eps %g: float64 eval loss %.15g, graph loss %.15g", eps, got, want)
		}
		z32 := make([]float32, len(z))
		for i, v := range z {
			z32[i] = float32(v)
		}
		if got32 := crossEntropySum(z32, k, labels, eps) / n; math.Abs(got32-want) > 1e-5 {
			t.Errorf("eps %g: float32 eval loss %.9g, graph loss %.9g", eps, got32, want)
		}
	}
}
