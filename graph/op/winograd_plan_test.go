package op

import (
	"fmt"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestWinogradPlannedTraining: a training graph of three Winograd
// convolutions (padding 1, 2×0 and 0; F(4×4) and F(2×2) forwards, the
// data gradients forced onto Winograd), run for three steps with
// weights that change, gives the same gradients to the bit with its
// buffers planned (the forwards and data gradients then borrow one set
// of per-worker buffers, winogradBufs) as without.
func TestWinogradPlannedTraining(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	x := toF32(randTensor(rng, 2, 16, 13, 11))
	w1, w2, w3 := toF32(randTensor(rng, 24, 16, 3, 3)), toF32(randTensor(rng, 16, 24, 3, 3)), toF32(randTensor(rng, 20, 16, 3, 3))
	run := func(plan bool) [][]float32 {
		ws := [][]float32{append([]float32(nil), w1.Float32s()...), append([]float32(nil), w2.Float32s()...), append([]float32(nil), w3.Float32s()...)}
		g := G.NewGraph()
		xn := G.NodeFromAny(g, x, G.WithName("x"))
		var wn G.Nodes
		for i, w := range []*tensor.Dense{w1, w2, w3} {
			wn = append(wn, G.NodeFromAny(g, tensor.New(tensor.WithShape(w.Shape()...), tensor.WithBacking(ws[i])), G.WithName("w"+string(rune('1'+i)))))
		}
		h := xn
		for i, p := range []ConvParams{{PadH: 1, PadW: 1}, {PadH: 2, PadW: 0}, {}} {
			var err error
			if h, err = Conv2d(h, wn[i], nil, p); err != nil {
				t.Fatal(err)
			}
			if i < 2 {
				if h, err = ReLU(h); err != nil {
					t.Fatal(err)
				}
			}
		}
		s, err := G.Sum(G.Must(G.HadamardProd(h, h)))
		if err != nil {
			t.Fatal(err)
		}
		grads, err := G.Grad(s, append(G.Nodes{xn}, wn...)...)
		if err != nil {
			t.Fatal(err)
		}
		prog, loc, err := G.Compile(g)
		if err != nil {
			t.Fatal(err)
		}
		if plan {
			order, _ := G.Sort(g)
			for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
				order[i], order[j] = order[j], order[i]
			}
			if _, err := PlanBuffers(order, loc, grads); err != nil {
				t.Fatal(err)
			}
		}
		vm := G.NewTapeMachine(g, G.WithPrecompiled(prog, loc))
		defer vm.Close()
		var out [][]float32
		for step := range 3 {
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			for _, gr := range grads {
				out = append(out, append([]float32(nil), gr.Value().Data().([]float32)...))
			}
			vm.Reset()
			for _, w := range ws {
				for i := range w {
					w[i] *= 0.9 + 0.01*float32(step)
				}
			}
		}
		return out
	}
	for _, m4 := range []winogradMode{winogradAlways, winogradNever} {
		var want, got [][]float32
		withWinograd(winogradAlways, 2, func() {
			with4(m4, func() {
				withXGrad(winogradAlways, func() {
					want = run(false)
					got = run(true)
				})
			})
		})
		for i := range want {
			for j := range want[i] {
				if want[i][j] != got[i][j] {
					t.Fatalf("m4 %v grad %d elem %d: planned %v unplanned %v", m4, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}

// TestWinogradGradsEdges: float32 gradients through a graph, with the
// forward on F(4×4) or F(2×2) and the data gradient on Winograd, agree
// with float64 ones on edge shapes: 1×1 and 1×N images, batch 1,
// channels 1 to 17, padding 0 to 2 per axis.
func TestWinogradGradsEdges(t *testing.T) {
	for _, m4 := range []winogradMode{winogradAlways, winogradNever} {
		for _, s := range [][4]int{{1, 1, 1, 1}, {1, 2, 1, 3}, {2, 3, 2, 2}, {1, 17, 5, 3}, {3, 4, 1, 40}, {1, 5, 9, 1}} {
			for _, p := range []ConvParams{{PadH: 1, PadW: 1}, {PadH: 2, PadW: 2}, {PadH: 0, PadW: 2}} {
				if s[2]+2*p.PadH < 3 || s[3]+2*p.PadW < 3 {
					continue
				}
				t.Run(fmt.Sprint(m4, s, p), func(t *testing.T) {
					withWinograd(winogradAlways, 2, func() {
						with4(m4, func() {
							withXGrad(winogradAlways, func() {
								checkConvF32Grads(t, []int{s[0], s[1], s[2], s[3]}, []int{3, s[1], 3, 3}, p)
							})
						})
					})
				})
			}
		}
	}
}
