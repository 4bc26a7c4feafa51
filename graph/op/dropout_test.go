package op

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// dropoutOf returns the kernel behind a Dropout node.
func dropoutOf(t *testing.T, n *G.Node) *dropoutKernel {
	t.Helper()
	k, ok := n.Op().(*customOp).k.(*dropoutKernel)
	if !ok {
		t.Fatalf("%v is not a dropout node", n.Op())
	}
	return k
}

func TestDropoutGrad(t *testing.T) {
	for _, p := range []float64{0.2, 0.5} {
		rng := rand.New(rand.NewSource(11))
		x := randTensor(rng, 2, 3, 4, 4)
		build := func(in G.Nodes) (*G.Node, error) {
			y, err := Dropout(in[0], p, rand.New(rand.NewSource(4)))
			if err == nil {
				dropoutOf(t, y).frozen = true // a fixed function for the finite differences
			}
			return y, err
		}
		checkGrad(t, build, []*tensor.Dense{x}, []bool{true})
		// Same seed, same mask: float32 and float64 must agree.
		checkF32(t, build, x)
	}
}

// TestDropoutBackwardIsMask checks, without freezing, that the backward
// pass is exactly mask*scale*dy for the mask the same step drew, over
// several steps with different masks.
func TestDropoutBackwardIsMask(t *testing.T) {
	const p = 0.3
	g := G.NewGraph()
	rng := rand.New(rand.NewSource(12))
	xv := randTensor(rng, 50, 40)
	for i, v := range xv.Data().([]float64) {
		xv.Data().([]float64)[i] = v + math.Copysign(0.1, v) // no zeros in x
	}
	x := G.NodeFromAny(g, xv, G.WithName("x"))
	dy := G.NodeFromAny(g, randTensor(rng, 50, 40), G.WithName("dy"))
	y, err := Dropout(x, p, rand.New(rand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Backpropagate(G.Nodes{y}, G.Nodes{dy}, G.Nodes{x})
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	var prev []float64
	for step := range 3 {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		out, dx := testValues(y.Value().(*tensor.Dense)), testValues(grads[0].Value().(*tensor.Dense))
		up, in := dy.Value().Data().([]float64), xv.Data().([]float64)
		for i := range out {
			want := 0.0
			if out[i] != 0 {
				want = up[i] / (1 - p)
				if r := out[i] / (in[i] / (1 - p)); math.Abs(r-1) > 1e-15 {
					t.Fatalf("step %d: kept element %d = %g, want x/(1-p) = %g", step, i, out[i], in[i]/(1-p))
				}
			}
			if math.Abs(dx[i]-want) > 1e-15*math.Abs(want) {
				t.Fatalf("step %d: dx[%d] = %g, want %g", step, i, dx[i], want)
			}
		}
		if prev != nil && equalZeros(prev, out) {
			t.Fatalf("step %d drew the same mask as the step before", step)
		}
		prev = out
	}
}

func equalZeros(a, b []float64) bool {
	for i := range a {
		if (a[i] == 0) != (b[i] == 0) {
			return false
		}
	}
	return true
}

// TestDropoutStatistics: over 100k elements the fraction kept is within
// 1% of 1-p, kept values are x/(1-p), the output mean is close to the
// input mean, and the same seed gives the same mask.
func TestDropoutStatistics(t *testing.T) {
	for _, p := range []float64{0.1, 0.5, 0.8} {
		rng := rand.New(rand.NewSource(13))
		x := randTensor(rng, 100, 1000)
		for i, v := range x.Data().([]float64) {
			x.Data().([]float64)[i] = 1.5 + v // in [0.5, 2.5), mean 1.5
		}
		build := func(in G.Nodes) (*G.Node, error) { return Dropout(in[0], p, rand.New(rand.NewSource(21))) }
		out := forward(t, build, x)
		in := x.Data().([]float64)
		kept, sumIn, sumOut := 0, 0.0, 0.0
		for i, v := range out {
			sumIn += in[i]
			sumOut += v
			if v != 0 {
				kept++
				if math.Abs(v-in[i]/(1-p)) > 1e-15*v {
					t.Fatalf("p=%g: kept %g, want %g", p, v, in[i]/(1-p))
				}
			}
		}
		frac := float64(kept) / float64(len(out))
		if math.Abs(frac-(1-p)) > 0.01*(1-p) {
			t.Errorf("p=%g: kept %.5f, want %.5f within 1%%", p, frac, 1-p)
		}
		if mi, mo := sumIn/float64(len(in)), sumOut/float64(len(out)); math.Abs(mo-mi) > 0.01*mi {
			t.Errorf("p=%g: output mean %g, input mean %g", p, mo, mi)
		}
		if again := forward(t, build, x); !equalZeros(out, again) {
			t.Errorf("p=%g: the same seed gave another mask", p)
		}
		t.Logf("p=%g: kept fraction %.5f", p, frac)
	}
}

func TestDropoutParams(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 2, G.WithShape(3, 4), G.WithName("x"))
	rng := rand.New(rand.NewSource(1))
	if y, err := Dropout(x, 0, rng); err != nil || y != x {
		t.Errorf("p=0: got %v, %v; want x itself", y, err)
	}
	for _, p := range []float64{1, -0.1, math.NaN(), 1.5} {
		_, err := Dropout(x, p, rng)
		if err == nil || !strings.Contains(err.Error(), "Dropout") || !strings.Contains(err.Error(), "(3, 4)") {
			t.Errorf("p=%g: error %v, want one naming Dropout and the shape", p, err)
		}
	}
	if _, err := Dropout(x, 0.5, nil); err == nil {
		t.Error("nil rng: no error")
	}
}

// BenchmarkDropout: forward and backward at an AlexNet-classifier size.
func BenchmarkDropout(b *testing.B) {
	g := G.NewGraph()
	x := G.NodeFromAny(g, toF32(randTensor(rand.New(rand.NewSource(1)), 128, 4096)), G.WithName("x"))
	y, err := Dropout(x, 0.5, rand.New(rand.NewSource(2)))
	if err != nil {
		b.Fatal(err)
	}
	benchBackprop(b, g, y, x)
}
