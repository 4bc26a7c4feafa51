package op

import (
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestSubsamplePad: the output equals the composition it replaces (a 1x1
// max pool of stride s, then zero channels concatenated on both sides),
// odd sizes included; the gradient matches finite differences; float32
// agrees with float64; bad arguments are errors.
func TestSubsamplePad(t *testing.T) {
	rng := rand.New(rand.NewSource(47))
	for _, tc := range []struct {
		shape               []int
		stride, front, back int
	}{
		{[]int{2, 3, 5, 6}, 2, 1, 2},
		{[]int{2, 2, 4, 4}, 1, 0, 1},
		{[]int{1, 2, 7, 7}, 3, 2, 0},
		{[]int{2, 4, 8, 8}, 2, 2, 2},
	} {
		build := func(in G.Nodes) (*G.Node, error) { return SubsamplePad(in[0], tc.stride, tc.front, tc.back) }
		composed := func(in G.Nodes) (*G.Node, error) {
			x, err := MaxPool2d(in[0], PoolParams{KH: 1, KW: 1, SH: tc.stride, SW: tc.stride})
			if err != nil {
				return nil, err
			}
			s := x.Shape()
			parts := G.Nodes{x}
			zeros := func(c int) *G.Node {
				return G.NodeFromAny(x.Graph(), tensor.New(tensor.WithShape(s[0], c, s[2], s[3]), tensor.Of(x.Dtype())))
			}
			if tc.front > 0 {
				parts = append(G.Nodes{zeros(tc.front)}, parts...)
			}
			if tc.back > 0 {
				parts = append(parts, zeros(tc.back))
			}
			return Concat(parts...)
		}
		x := randTensor(rng, tc.shape...)
		got, want := forward(t, build, x), forward(t, composed, x)
		if len(got) != len(want) {
			t.Fatalf("%+v: %d outputs, want %d", tc, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%+v: out[%d] = %g, want %g", tc, i, got[i], want[i])
			}
		}
		checkGrad(t, build, []*tensor.Dense{x}, []bool{true})
		checkF32(t, build, x)
	}
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 4, 4), G.WithName("x"))
	v := G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("v"))
	for _, c := range []struct {
		x                   *G.Node
		stride, front, back int
	}{{nil, 1, 0, 0}, {v, 1, 0, 0}, {x, 0, 0, 0}, {x, 2, -1, 0}, {x, 2, 0, -1}} {
		if _, err := SubsamplePad(c.x, c.stride, c.front, c.back); err == nil {
			t.Errorf("SubsamplePad(%v, %d, %d, %d): no error", c.x, c.stride, c.front, c.back)
		}
	}
}
