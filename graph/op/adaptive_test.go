package op

import (
	"fmt"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

var adaptiveCases = []struct {
	shape  []int
	oh, ow int
}{
	{[]int{2, 2, 5, 5}, 2, 3},
	{[]int{1, 3, 4, 4}, 1, 1},
	{[]int{1, 2, 3, 3}, 5, 5},
	{[]int{1, 1, 7, 5}, 3, 2},
}

func TestAdaptiveAvgPoolGrad(t *testing.T) {
	for i, c := range adaptiveCases {
		t.Run(fmt.Sprintf("%v->%dx%d", c.shape, c.oh, c.ow), func(t *testing.T) {
			x := randTensor(rand.New(rand.NewSource(int64(90+i))), c.shape...)
			checkGrad(t, func(in G.Nodes) (*G.Node, error) { return AdaptiveAvgPool2d(in[0], c.oh, c.ow) },
				[]*tensor.Dense{x}, []bool{true})
			checkF32(t, func(in G.Nodes) (*G.Node, error) { return AdaptiveAvgPool2d(in[0], c.oh, c.ow) }, x)
		})
	}
}

// TestAdaptiveAvgPoolGolden compares with PyTorch's F.adaptive_avg_pool2d.
func TestAdaptiveAvgPoolGolden(t *testing.T) {
	var cases []struct {
		Shape  []int
		OH, OW int
		X      []float64
		golden
	}
	decode(t, loadPoolGolden(t)["adaptive"], &cases)
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v->%dx%d", c.Shape, c.OH, c.OW), func(t *testing.T) {
			checkGolden(t, func(x *G.Node) (*G.Node, error) { return AdaptiveAvgPool2d(x, c.OH, c.OW) },
				c.Shape, c.X, c.golden)
		})
	}
}

// TestAdaptiveBins checks PyTorch's bin rule by hand: 5 -> 3 gives
// [0,2) [1,4) [3,5); 2 -> 3 gives [0,1) [0,2) [1,2).
func TestAdaptiveBins(t *testing.T) {
	var a axisWindows
	a.adaptive(5, 3)
	poolNear(t, "5->3 lo", ints(a.lo), []float64{0, 1, 3}, 0)
	poolNear(t, "5->3 hi", ints(a.hi), []float64{2, 4, 5}, 0)
	a.adaptive(2, 3)
	poolNear(t, "2->3 lo", ints(a.lo), []float64{0, 0, 1}, 0)
	poolNear(t, "2->3 hi", ints(a.hi), []float64{1, 2, 2}, 0)
}

func ints(v []int) []float64 {
	r := make([]float64, len(v))
	for i, x := range v {
		r[i] = float64(x)
	}
	return r
}
