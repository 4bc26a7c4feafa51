package op

import (
	"math/rand"
	"testing"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// winogradTrainConv is a 3×3 convolution of a training graph (its weight
// gradient taken) on the Winograd path, and a run of its machine that
// checks the output against the direct convolution.
type winogradTrainConv struct {
	x, w *tensor.Dense
	k    *convKernel
	run  func(call string)
}

func newWinogradTrainConv(t *testing.T, seed int64) *winogradTrainConv {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	g := G.NewGraph()
	xn := G.NodeFromAny(g, toF32(randTensor(rng, 1, 16, 12, 12)), G.WithName("x"))
	wn := G.NodeFromAny(g, toF32(randTensor(rng, 16, 16, 3, 3)), G.WithName("w"))
	p := ConvParams{PadH: 1, PadW: 1}
	y, err := Conv2d(xn, wn, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := G.Sum(G.Must(G.Reshape(y, tensor.Shape{y.Shape().TotalSize()})), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(cost, wn); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	t.Cleanup(func() { vm.Close() })
	c := &winogradTrainConv{x: xn.Value().(*tensor.Dense), w: wn.Value().(*tensor.Dense), k: y.Op().(*customOp).k.(*convKernel)}
	c.run = func(call string) {
		t.Helper()
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		want, _ := naiveConv(tValues(c.x), tValues(c.w), nil, c.x.Shape(), c.w.Shape(), p)
		if _, rel := convErr(tValues(y.Value().(*tensor.Dense)), want); !(rel <= forcedTol()) {
			t.Fatalf("%s: error %.3g relative to the direct convolution", call, rel)
		}
	}
	return c
}

// TestWinogradFrozen: a convolution of a training graph whose weights do
// not change (a frozen layer) keeps its transformed filters from its
// third call on instead of recomputing them every call, and still sees
// any change of its weights, down to one weight the probe does not
// look at; weights that then change every call send it back to the
// shared filters, with no copy of its weights kept.
func TestWinogradFrozen(t *testing.T) {
	withWinograd(winogradAlways, 0, func() {
		c := newWinogradTrainConv(t, 9)
		ws, wk := c.w.Float32s(), &c.k.wino
		c.run("first call")
		// Where the GEMMs read the shared unpacked U (no micro-kernel:
		// GOARCH=386, purego), no kernel keeps filters, frozen or not.
		keeps := gemm.UsePanels(c.w.Shape()[0], wk.chunk)
		for call := 1; call < 4; call++ {
			c.run("frozen")
			if keeps && call >= 2 && (wk.misses != 0 || len(wk.own.w) != len(ws)) {
				t.Fatalf("frozen weights, call %d: %d misses, %d of %d weights kept; want 0 (filters reused) and all",
					call, wk.misses, len(wk.own.w), len(ws))
			}
		}
		ws[len(ws)-1] += 0.5 // not probed: the comparison of every weight sees it
		c.run("last weight changed")
		if keeps && wk.misses != 1 {
			t.Errorf("last weight changed: %d misses, want 1 (filters recomputed)", wk.misses)
		}
		for call := range 6 {
			for i := range ws {
				ws[i] *= 0.99
			}
			c.run("trained")
			if call >= 2 && (wk.misses < 2 || len(wk.own.w) != 0) {
				t.Fatalf("new weights every call, call %d: %d misses, %d weights kept; want >= 2 and none (shared filters)",
					call, wk.misses, len(wk.own.w))
			}
		}
	})
}

// TestWinogradTrainedNeverKeeps: a convolution of a training graph whose
// weights change every call never keeps a copy of them, from its first
// call on (see differentiated).
func TestWinogradTrainedNeverKeeps(t *testing.T) {
	withWinograd(winogradAlways, 0, func() {
		c := newWinogradTrainConv(t, 10)
		ws, wk := c.w.Float32s(), &c.k.wino
		for call := range 5 {
			c.run("trained")
			if len(wk.own.w) != 0 {
				t.Fatalf("call %d: %d weights kept, want none", call, len(wk.own.w))
			}
			for i := range ws {
				ws[i] += 0.01
			}
		}
	})
}

// TestWeightProbeBackoff: where updates leave the probed weights alone,
// the kernel keeps its filters after a probe, and after each keep that
// did not last the next probe waits twice as many calls.
func TestWeightProbeBackoff(t *testing.T) {
	w := make([]float32, 9*16*16)
	k := &winograd{misses: 2}
	var kept []int
	for call := range 40 {
		w[1] += 1 // between probed weights
		if !k.borrows(w) {
			kept = append(kept, call)
			k.misses = 2 // as two calls with new weights in their own filters
		}
	}
	// Probes at calls 0 (records) and 1 (keeps); then, after each keep,
	// waits of 1, 2, 4, 8 and 16 calls before the next probe keeps.
	want := []int{1, 3, 6, 11, 20, 37}
	if len(kept) != len(want) {
		t.Fatalf("kept at calls %v, want %v", kept, want)
	}
	for i := range want {
		if kept[i] != want[i] {
			t.Fatalf("kept at calls %v, want %v", kept, want)
		}
	}
}

// TestWinogradFrozenUnderTrained: a frozen convolution under a trained
// one, whose data gradient (Winograd) rewrites the shared filters
// between the frozen one's calls, keeps its own filters and stays exact:
// both outputs agree with the direct convolution at every call, also
// after a change of one weight the probe does not look at.
func TestWinogradFrozenUnderTrained(t *testing.T) {
	withXGrad(winogradAlways, func() {
		withWinograd(winogradAlways, 0, func() {
			rng := rand.New(rand.NewSource(3))
			g := G.NewGraph()
			xn := G.NodeFromAny(g, toF32(randTensor(rng, 1, 16, 12, 12)), G.WithName("x"))
			w1 := G.NodeFromAny(g, toF32(randTensor(rng, 16, 16, 3, 3)), G.WithName("w1"))
			w2 := G.NodeFromAny(g, toF32(randTensor(rng, 16, 16, 3, 3)), G.WithName("w2"))
			p := ConvParams{PadH: 1, PadW: 1}
			y1 := G.Must(Conv2d(xn, w1, nil, p))
			y2 := G.Must(Conv2d(y1, w2, nil, p))
			cost := G.Must(G.Sum(G.Must(G.Reshape(y2, tensor.Shape{y2.Shape().TotalSize()})), 0))
			if _, err := G.Grad(cost, w1, w2); err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g)
			defer vm.Close()
			k1 := &y1.Op().(*customOp).k.(*convKernel).wino
			keeps := false
			ws1, ws2 := w1.Value().(*tensor.Dense).Float32s(), w2.Value().(*tensor.Dense).Float32s()
			for call := range 10 {
				if call == 5 {
					ws1[5] += 0.25 // between probed weights
				}
				for i := range ws2 {
					ws2[i] *= 0.99
				}
				vm.Reset()
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				if call == 0 { // see TestWinogradFrozen
					keeps = gemm.UsePanels(16, k1.chunk)
				}
				for _, c := range []struct {
					name    string
					x, w, y *G.Node
				}{{"frozen", xn, w1, y1}, {"trained", y1, w2, y2}} {
					x, w := c.x.Value().(*tensor.Dense), c.w.Value().(*tensor.Dense)
					want, _ := naiveConv(tValues(x), tValues(w), nil, x.Shape(), w.Shape(), p)
					if _, rel := convErr(tValues(c.y.Value().(*tensor.Dense)), want); !(rel <= forcedTol()) {
						t.Fatalf("call %d: the %s convolution's output has error %.3g relative to the direct convolution", call, c.name, rel)
					}
				}
				if keeps && call >= 2 && call != 5 && k1.misses != 0 {
					t.Fatalf("call %d: the frozen convolution has %d misses, want 0 (its filters kept)", call, k1.misses)
				}
			}
		})
	})
}

// TestWinogradFrozenTiles: a frozen layer of a training graph whose
// data gradient is taken too (a backbone under trained layers) keeps
// its F(4×4) forward filters while its data gradient computes F(4×4)'s
// or F(2×2)'s in the shared set every call; the forward's kept filters
// are never the data gradient's or stale, through weights that stay,
// then change in one weight, then every call: y and dx match the
// float64 direct convolution and its data gradient at every call.
func TestWinogradFrozenTiles(t *testing.T) {
	for _, c := range []struct {
		n, ch, hw int
		xgradTile int
		name      string
	}{
		{2, 16, 32, 4, "ResNet-20's 16 channels: F(4×4) both ways"},
		{4, 128, 8, 2, "128 channels, 16 tiles: F(4×4) forward, F(2×2) data gradient"},
	} {
		rng := rand.New(rand.NewSource(11))
		p := ConvParams{PadH: 1, PadW: 1}
		g := G.NewGraph()
		xn := G.NodeFromAny(g, toF32(randTensor(rng, c.n, c.ch, c.hw, c.hw)), G.WithName("x"))
		wn := G.NodeFromAny(g, toF32(randTensor(rng, c.ch, c.ch, 3, 3)), G.WithName("w"))
		y, err := Conv2d(xn, wn, nil, p)
		if err != nil {
			t.Fatal(err)
		}
		cost, err := G.Sum(G.Must(G.HadamardProd(y, y)))
		if err != nil {
			t.Fatal(err)
		}
		grads, err := G.Grad(cost, xn, wn)
		if err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		x, w := xn.Value().(*tensor.Dense), wn.Value().(*tensor.Dense)
		ws, k := w.Float32s(), y.Op().(*customOp).k.(*convKernel)
		geom := newConvGeom(c.ch, c.hw, c.hw, c.ch, 3, 3, p)
		gx := xgradGeom(&geom)
		if ft, xt := winogradTile(&geom, c.n), xgradTile(&gx); ft != 4 || xt != c.xgradTile {
			t.Fatalf("%s: tiles %d forward, %d data gradient; want 4, %d", c.name, ft, xt, c.xgradTile)
		}
		tol := winogradTol
		if c.xgradTile == 4 {
			tol = winograd4Tol
		}
		withXGrad(winogradAlways, func() {
			for call := range 9 {
				switch {
				case call == 5: // one weight
					ws[len(ws)-1] += 0.5
				case call > 5: // trained
					for i := range ws {
						ws[i] *= 0.99
					}
				}
				vm.Reset()
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				want, _ := naiveConv(tValues(x), tValues(w), nil, x.Shape(), w.Shape(), p)
				dy := make([]float64, len(want))
				for i, v := range want {
					dy[i] = 2 * v
				}
				wantDX := xgradDirect(t, x.Shape(), tFill(tensor.Float64, tValues(w), w.Shape()...), tFill(tensor.Float64, dy, y.Shape()...), p)
				if _, rel := convErr(tValues(y.Value().(*tensor.Dense)), want); !(rel <= winograd4Tol) {
					t.Errorf("%s, call %d: y error %.3g relative to the direct convolution", c.name, call, rel)
				}
				if _, rel := convErr(tValues(grads[0].Value().(*tensor.Dense)), wantDX); !(rel <= tol) {
					t.Errorf("%s, call %d: dx error %.3g relative to the direct data gradient", c.name, call, rel)
				}
				if wk := &k.wino; call == 4 && gemm.UsePanels(c.ch, wk.chunk) && (wk.tile != 4 || len(wk.own.w) != len(ws)) {
					t.Errorf("%s, frozen: forward tile %d, %d of %d weights kept; want 4 and all", c.name, wk.tile, len(wk.own.w), len(ws))
				}
			}
		})
	}
}
