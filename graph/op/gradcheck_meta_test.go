package op

import (
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestGradCheckCatchesWrongGradient makes sure the harness can fail:
// Gorgonia's AveragePool2D has a wrong gradient (docs/gorgonia.md).
func TestGradCheckCatchesWrongGradient(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	x := randTensor(rng, 1, 1, 4, 4)
	worst, where := gradErr(t, func(in G.Nodes) (*G.Node, error) {
		return G.AveragePool2D(in[0], tensor.Shape{2, 2}, []int{0, 0}, []int{2, 2})
	}, []*tensor.Dense{x}, []bool{true})
	if worst <= gradTol {
		t.Fatalf("stock AveragePool2D passed the gradient check (worst %g); the harness is blind", worst)
	}
	t.Logf("stock AveragePool2D caught: %s (rel err %.3g)", where, worst)
}

// TestGradCheckPassesRightGradient: Gorgonia's Conv2d is correct.
func TestGradCheckPassesRightGradient(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	x, w := randTensor(rng, 2, 2, 5, 5), randTensor(rng, 3, 2, 3, 3)
	checkGrad(t, func(in G.Nodes) (*G.Node, error) {
		return G.Conv2d(in[0], in[1], tensor.Shape{3, 3}, []int{1, 1}, []int{2, 1}, []int{1, 1})
	}, []*tensor.Dense{x, w}, []bool{true, true})
}
