package op

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestFuseConvPool compares FuseConvPool with the separate Conv2d, ReLU
// and MaxPool2d on LeNet-5's shapes and odd ones (odd output sizes whose
// last row and column the pooling drops, padding, batch 1 with its rows
// split over the workers), with and without bias and ReLU, on one worker
// and two, with the direct kernel and without (the fallback through a
// whole output).
func TestFuseConvPool(t *testing.T) {
	cases := []struct {
		name       string
		xs, ws     []int
		p          ConvParams
		bias, relu bool
	}{
		{"lenet_conv1", []int{3, 1, 28, 28}, []int{6, 1, 5, 5}, ConvParams{PadH: 2, PadW: 2}, true, true},
		{"lenet_conv2", []int{3, 6, 14, 14}, []int{16, 6, 5, 5}, ConvParams{}, true, true},
		{"lenet_conv1_batch1", []int{1, 1, 28, 28}, []int{6, 1, 5, 5}, ConvParams{PadH: 2, PadW: 2}, true, true},
		{"odd_out_norelu", []int{2, 3, 17, 19}, []int{9, 3, 5, 5}, ConvParams{PadH: 1}, false, false},
		{"odd_out_batch1", []int{1, 2, 18, 17}, []int{5, 2, 5, 5}, ConvParams{PadW: 2}, true, true},
	}
	for i, c := range cases {
		for _, workers := range []int{1, 2} {
			for _, direct := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/w%d/direct=%t", c.name, workers, direct), func(t *testing.T) {
					rng := rand.New(rand.NewSource(int64(i)))
					xv, wv := toF32(randTensor(rng, c.xs...)), toF32(randTensor(rng, c.ws...))
					g := G.NewGraph()
					x := G.NodeFromAny(g, xv, G.WithName("x"))
					w := G.NodeFromAny(g, wv, G.WithName("w"))
					var b *G.Node
					if c.bias {
						b = G.NodeFromAny(g, toF32(randTensor(rng, c.ws[0])), G.WithName("b"))
					}
					fused, plain := convPoolPair(t, x, w, b, c.p, c.relu)
					if !fused.Shape().Eq(plain.Shape()) {
						t.Fatalf("shapes %v and %v", fused.Shape(), plain.Shape())
					}
					var got []float64
					withDirect(direct, workers, func() {
						vm := G.NewTapeMachine(g)
						defer vm.Close()
						for range 2 { // the second run reuses the buffers
							if err := vm.RunAll(); err != nil {
								t.Fatal(err)
							}
							vm.Reset()
						}
						got = tValues(fused.Value().(*tensor.Dense))
						want := tValues(plain.Value().(*tensor.Dense))
						if _, r := convErr(got, want); !(r <= 1e-6) {
							t.Errorf("fused vs separate ops: %.3g relative to the largest output", r)
						}
					})
				})
			}
		}
	}
}

// convPoolPair returns FuseConvPool of Conv2d(x, w, b) (followed by a
// fused ReLU where relu) and the separate MaxPool2d of the same.
func convPoolPair(t *testing.T, x, w, b *G.Node, p ConvParams, relu bool) (fused, plain *G.Node) {
	t.Helper()
	y, err := Conv2d(x, w, b, p)
	if err != nil {
		t.Fatal(err)
	}
	if relu {
		if y, err = FuseConv(y, Fusion{ReLU: true}); err != nil {
			t.Fatal(err)
		}
	}
	if !CanFuseConvPool(y, pool2x2) {
		t.Fatal("CanFuseConvPool refuses")
	}
	if fused, err = FuseConvPool(y, pool2x2); err != nil {
		t.Fatal(err)
	}
	if plain, err = MaxPool2d(y, pool2x2); err != nil {
		t.Fatal(err)
	}
	return fused, plain
}

// TestCanFuseConvPool: the pooling must be 2×2 at stride 2 without
// padding, the convolution float32, direct and without a batch norm or
// residual.
func TestCanFuseConvPool(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(2, 1, 28, 28), G.WithName("x"))
	w := G.NewTensor(g, tensor.Float32, 4, G.WithShape(6, 1, 5, 5), G.WithName("w"))
	w3 := G.NewTensor(g, tensor.Float32, 4, G.WithShape(6, 1, 3, 3), G.WithName("w3"))
	x64 := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 1, 28, 28), G.WithName("x64"))
	w64 := G.NewTensor(g, tensor.Float64, 4, G.WithShape(6, 1, 5, 5), G.WithName("w64"))
	conv := func(x, w *G.Node, p ConvParams) *G.Node {
		y, err := Conv2d(x, w, nil, p)
		if err != nil {
			t.Fatal(err)
		}
		return y
	}
	y := conv(x, w, ConvParams{PadH: 2, PadW: 2})
	if !CanFuseConvPool(y, pool2x2) {
		t.Error("refuses LeNet-5's conv1")
	}
	for _, p := range []PoolParams{{KH: 3, KW: 3, SH: 2, SW: 2}, {KH: 2, KW: 2, SH: 1, SW: 1}, {KH: 2, KW: 2, SH: 2, SW: 2, PH: 1, PW: 1}, {KH: 2, KW: 2, SH: 2, SW: 2, CeilMode: true}} {
		if CanFuseConvPool(y, p) {
			t.Errorf("accepts pooling %+v", p)
		}
	}
	for name, n := range map[string]*G.Node{
		"3x3":      conv(x, w3, ConvParams{}),
		"stride 2": conv(x, w, ConvParams{StrideH: 2, StrideW: 2}),
		"float64":  conv(x64, w64, ConvParams{}),
		"not conv": x,
	} {
		if CanFuseConvPool(n, pool2x2) {
			t.Errorf("accepts %s", name)
		}
	}
	if _, err := FuseConvPool(x, pool2x2); err == nil {
		t.Error("FuseConvPool of an input: no error")
	}
}

// TestFuseConvPoolNoAlloc: after the first call, the fused forward
// allocates nothing, at batch 1 (rows split over the workers) and above.
func TestFuseConvPoolNoAlloc(t *testing.T) {
	if raceOn {
		t.Skip("allocation counts under -race are not the program's")
	}
	rng := rand.New(rand.NewSource(3))
	for _, n := range []int{1, 4} {
		xv, wv, bv := toF32(randTensor(rng, n, 6, 14, 14)), toF32(randTensor(rng, 16, 6, 5, 5)), toF32(randTensor(rng, 16))
		g := G.NewGraph()
		y, err := Conv2d(G.NodeFromAny(g, xv, G.WithName("x")), G.NodeFromAny(g, wv, G.WithName("w")), G.NodeFromAny(g, bv, G.WithName("b")), ConvParams{})
		if err != nil {
			t.Fatal(err)
		}
		z, err := FuseConvPool(y, pool2x2)
		if err != nil {
			t.Fatal(err)
		}
		k := z.Op().(*customOp).k.(*convPoolKernel)
		out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(z.Shape()...))
		in := []*tensor.Dense{xv, wv, bv}
		if err := k.forward(in, out); err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(5, func() { _ = k.forward(in, out) }); a != 0 {
			t.Errorf("batch %d: %v allocations per call, want 0", n, a)
		}
		if k.tmp != nil {
			t.Errorf("batch %d: the fallback ran, not the direct convolution", n)
		}
	}
}

// TestFuseConvPoolBits: FuseConvPool gives the separate Conv2d (with
// its ReLU) and MaxPool2d's bits, on inputs of small integers (ties
// everywhere), signed zeros (a bias of -0: sums of -0 and zero
// products keep their sign) and a few NaNs, on LeNet-5's shapes (pool2's
// rows of 5 windows go through vec's row pairs in the fused op, through
// Go's loop in MaxPool2d) at batch 1 and 3, with the direct kernel and
// without.
func TestFuseConvPoolBits(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	pick := []float32{0, negZero, 1, -1, 2, -2}
	cases := []struct {
		xs, ws []int
		p      ConvParams
	}{
		{[]int{1, 1, 28, 28}, []int{6, 1, 5, 5}, ConvParams{PadH: 2, PadW: 2}},
		{[]int{3, 1, 28, 28}, []int{6, 1, 5, 5}, ConvParams{PadH: 2, PadW: 2}},
		{[]int{1, 6, 14, 14}, []int{16, 6, 5, 5}, ConvParams{}},
		{[]int{3, 6, 14, 14}, []int{16, 6, 5, 5}, ConvParams{}},
		{[]int{2, 2, 13, 21}, []int{3, 2, 5, 5}, ConvParams{PadW: 1}},
	}
	fill := func(rng *rand.Rand, s []int, nanEvery int) *tensor.Dense {
		d := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s...))
		v := elems[float32](d)
		for i := range v {
			v[i] = pick[rng.Intn(len(pick))]
			if nanEvery > 0 && rng.Intn(nanEvery) == 0 {
				v[i] = float32(math.NaN())
			}
		}
		return d
	}
	for i, c := range cases {
		for _, relu := range []bool{false, true} {
			for _, workers := range []int{1, 2} {
				for _, direct := range []bool{true, false} {
					name := fmt.Sprintf("%v/relu=%t/w%d/direct=%t", c.xs, relu, workers, direct)
					rng := rand.New(rand.NewSource(int64(i)))
					g := G.NewGraph()
					// Output channel 0 has +0 weights and sample 0 is -1 over
					// the top half of its planes: there the direct sums are
					// -0 (the bias) plus -0s, +0 where the padding enters.
					xv, wv := fill(rng, c.xs, 150), fill(rng, c.ws, 0)
					plane := c.xs[2] * c.xs[3]
					for j := range elems[float32](xv)[:c.xs[1]*plane] {
						if j%plane < plane/2 {
							elems[float32](xv)[j] = -1
						}
					}
					clear(elems[float32](wv)[:c.ws[1]*c.ws[2]*c.ws[3]])
					x := G.NodeFromAny(g, xv, G.WithName("x"))
					w := G.NodeFromAny(g, wv, G.WithName("w"))
					bv := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(c.ws[0]))
					for j := range elems[float32](bv) {
						elems[float32](bv)[j] = negZero
					}
					fused, plain := convPoolPair(t, x, w, G.NodeFromAny(g, bv, G.WithName("b")), c.p, relu)
					withDirect(direct, workers, func() {
						vm := G.NewTapeMachine(g)
						defer vm.Close()
						if err := vm.RunAll(); err != nil {
							t.Fatal(err)
						}
					})
					got, want := elems[float32](fused.Value().(*tensor.Dense)), elems[float32](plain.Value().(*tensor.Dense))
					var nans, negZeros int
					for j := range want {
						if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
							t.Fatalf("%s: output %d: fused %v (%#x), separate %v (%#x)", name, j, got[j], math.Float32bits(got[j]), want[j], math.Float32bits(want[j]))
						}
						if want[j] != want[j] {
							nans++
						}
						if want[j] == 0 && math.Signbit(float64(want[j])) {
							negZeros++
						}
					}
					if nans == 0 || (direct && !relu && negZeros == 0) {
						t.Errorf("%s: %d NaNs and %d -0s in the output: the data do not test them", name, nans, negZeros)
					}
				}
			}
		}
	}
}
