package op

import (
	"fmt"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestAvgPoolGrad(t *testing.T) {
	for i, c := range poolGradCases {
		for _, ex := range []bool{false, true} {
			p := c.p
			p.ExcludePad = ex
			t.Run(fmt.Sprintf("%s exclude=%v", c.name, ex), func(t *testing.T) {
				x := randTensor(rand.New(rand.NewSource(int64(50+i))), c.shape...)
				checkGrad(t, func(in G.Nodes) (*G.Node, error) { return AvgPool2d(in[0], p) },
					[]*tensor.Dense{x}, []bool{true})
			})
		}
	}
}

func TestAvgPoolF32(t *testing.T) {
	for i, c := range poolGradCases {
		for _, ex := range []bool{false, true} {
			p := c.p
			p.ExcludePad = ex
			t.Run(fmt.Sprintf("%s exclude=%v", c.name, ex), func(t *testing.T) {
				x := randTensor(rand.New(rand.NewSource(int64(70+i))), c.shape...)
				checkF32(t, func(in G.Nodes) (*G.Node, error) { return AvgPool2d(in[0], p) }, x)
			})
		}
	}
}

// TestAvgPoolGolden compares output and gradient with PyTorch's
// F.avg_pool2d, with count_include_pad both ways.
func TestAvgPoolGolden(t *testing.T) {
	var cases []poolCase
	decode(t, loadPoolGolden(t)["pool"], &cases)
	for _, c := range cases {
		for _, ex := range []bool{false, true} {
			p := c.params(ex)
			want := c.Avg
			if ex {
				want = c.AvgExclude
			}
			t.Run(fmt.Sprintf("%v %v", c.Shape, p), func(t *testing.T) {
				checkGolden(t, func(x *G.Node) (*G.Node, error) { return AvgPool2d(x, p) }, c.Shape, c.X, want)
			})
		}
	}
}

// TestAvgPoolDivisor checks the divisors by hand on a 3x3 input of ones,
// kernel 2x2 stride 2 pad 1 with ceil_mode: windows at the corner hold
// one input element out of four.
func TestAvgPoolDivisor(t *testing.T) {
	ones := tensor.New(tensor.WithShape(1, 1, 3, 3), tensor.WithBacking([]float64{1, 1, 1, 1, 1, 1, 1, 1, 1}))
	p := PoolParams{KH: 2, KW: 2, PH: 1, PW: 1, CeilMode: true}
	got := forward(t, func(in G.Nodes) (*G.Node, error) { return AvgPool2d(in[0], p) }, ones)
	poolNear(t, "include pad", got, []float64{0.25, 0.5, 0.5, 1}, 0)
	p.ExcludePad = true
	got = forward(t, func(in G.Nodes) (*G.Node, error) { return AvgPool2d(in[0], p) }, ones)
	poolNear(t, "exclude pad", got, []float64{1, 1, 1, 1}, 0)
}
