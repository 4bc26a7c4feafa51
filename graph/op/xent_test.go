package op

import (
	"encoding/json"
	"math"
	"math/rand"
	"os"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func xentBuild(in G.Nodes) (*G.Node, error) { return SoftmaxCrossEntropy(in[0], in[1]) }

func labelTensor(labels ...float64) *tensor.Dense {
	return tensor.New(tensor.WithShape(len(labels)), tensor.WithBacking(labels))
}

func TestSoftmaxCrossEntropyGrad(t *testing.T) {
	rng := rand.New(rand.NewSource(41))
	for _, tc := range []struct {
		name   string
		labels []float64
	}{
		{"all rows", []float64{0, 3, 1, 2, 4}},
		{"ignored rows", []float64{4, -1, 0, -1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := randTensor(rng, 5, 5)
			for i, v := range z.Data().([]float64) {
				z.Data().([]float64)[i] = 3 * v
			}
			y := labelTensor(tc.labels...)
			checkGrad(t, xentBuild, []*tensor.Dense{z, y}, []bool{true, false})
			checkF32(t, xentBuild, z, y)
			for _, eps := range []float64{0.1, 0.7} {
				build := func(in G.Nodes) (*G.Node, error) { return SmoothedCrossEntropy(in[0], in[1], eps) }
				checkGrad(t, build, []*tensor.Dense{z, y}, []bool{true, false})
				checkF32(t, build, z, y)
			}
		})
	}
}

// TestSmoothedCrossEntropyDefinition checks the smoothed loss against its
// definition: (1-eps)·nll + eps·mean_k(-log p_k), on one row by hand.
func TestSmoothedCrossEntropyDefinition(t *testing.T) {
	z := tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{1, 2, 4}))
	lse := math.Log(math.Exp(1) + math.Exp(2) + math.Exp(4))
	want := 0.8*(lse-2) + 0.2*((lse-1)+(lse-2)+(lse-4))/3
	loss, _, err := xentRunEps(t, z, labelTensor(1), 0.2)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(loss-want) > 1e-12 {
		t.Errorf("loss %.15g, want %.15g", loss, want)
	}
	for _, eps := range []float64{-0.1, 1, math.NaN()} {
		g := G.NewGraph()
		zn := G.NodeFromAny(g, z, G.WithName("z"))
		yn := G.NodeFromAny(g, labelTensor(1), G.WithName("y"))
		if _, err := SmoothedCrossEntropy(zn, yn, eps); err == nil || !strings.Contains(err.Error(), "label smoothing") {
			t.Errorf("smoothing %v: error %v, want one naming the label smoothing", eps, err)
		}
	}
}

// xentRun returns the loss and the gradient with respect to the logits.
func xentRun(t *testing.T, z, y *tensor.Dense) (float64, []float64, error) {
	return xentRunEps(t, z, y, 0)
}

// xentRunEps is xentRun with label smoothing eps.
func xentRunEps(t *testing.T, z, y *tensor.Dense, eps float64) (float64, []float64, error) {
	t.Helper()
	g := G.NewGraph()
	zn := G.NodeFromAny(g, z, G.WithName("z"))
	yn := G.NodeFromAny(g, y, G.WithName("y"))
	loss, err := SmoothedCrossEntropy(zn, yn, eps)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(loss, zn)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		return 0, nil, err
	}
	return scalarOf(t, loss.Value()), testValues(grads[0].Value().(*tensor.Dense)), nil
}

// TestSoftmaxCrossEntropyGolden compares loss and gradient with PyTorch's
// F.cross_entropy(ignore_index=-1), including logits of order 1e3.
func TestSoftmaxCrossEntropyGolden(t *testing.T) { xentGolden(t, "testdata/xent_golden.json") }

// TestSmoothedCrossEntropyGolden compares loss and gradient with PyTorch's
// F.cross_entropy(ignore_index=-1, label_smoothing=eps)
// (testdata/gen_xent_ls_golden.py).
func TestSmoothedCrossEntropyGolden(t *testing.T) { xentGolden(t, "testdata/xent_ls_golden.json") }

func xentGolden(t *testing.T, path string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct {
			N, K                 int
			Logits, Labels, Grad []float64
			Loss, Eps            float64
		}
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	for _, c := range file.Cases {
		for _, f32 := range []bool{false, true} {
			z := tensor.New(tensor.WithShape(c.N, c.K), tensor.WithBacking(append([]float64(nil), c.Logits...)))
			y := labelTensor(append([]float64(nil), c.Labels...)...)
			tol := 1e-12
			if f32 {
				z, y, tol = toF32(z), toF32(y), 1e-5
			}
			loss, grad, err := xentRunEps(t, z, y, c.Eps)
			if err != nil {
				t.Fatal(err)
			}
			testNear(t, "loss", []float64{loss}, []float64{c.Loss}, tol)
			testNear(t, "gradient", grad, c.Grad, tol)
		}
	}
}

func TestSoftmaxCrossEntropyAllIgnored(t *testing.T) {
	z := randTensor(rand.New(rand.NewSource(42)), 3, 4)
	loss, grad, err := xentRun(t, z, labelTensor(-1, -1, -1))
	if err != nil {
		t.Fatal(err)
	}
	if loss != 0 {
		t.Errorf("loss %g, want 0", loss)
	}
	for i, v := range grad {
		if v != 0 {
			t.Fatalf("gradient[%d] = %g, want 0", i, v)
		}
	}
}

func TestSoftmaxCrossEntropyErrors(t *testing.T) {
	z := randTensor(rand.New(rand.NewSource(43)), 3, 4)
	for _, tc := range []struct {
		labels []float64
		want   []string
	}{
		{[]float64{0, 4, 1}, []string{"SoftmaxCrossEntropy", "row 1", "label 4"}},
		{[]float64{0, 1, 2.5}, []string{"SoftmaxCrossEntropy", "row 2", "label 2.5"}},
	} {
		_, _, err := xentRun(t, z, labelTensor(tc.labels...))
		if err == nil {
			t.Fatalf("labels %v: no error", tc.labels)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %q", err, w)
			}
		}
	}
	g := G.NewGraph()
	node := func(name string, shape ...int) *G.Node {
		return G.NewTensor(g, tensor.Float64, len(shape), G.WithShape(shape...), G.WithName(name))
	}
	for _, tc := range []struct {
		z, y *G.Node
		want string
	}{
		{node("z", 3, 4), node("y", 2), "logits (3, 4) and labels (2)"},
		{node("z3", 3, 4, 2), node("y3", 3), "logits (3, 4, 2)"},
		{node("z2", 3, 4), node("y2", 3, 1), "labels (3, 1)"},
	} {
		_, err := SoftmaxCrossEntropy(tc.z, tc.y)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "SoftmaxCrossEntropy") {
			t.Errorf("error %v, want one mentioning %q", err, tc.want)
		}
	}
	if _, err := SoftmaxCrossEntropy(nil, nil); err == nil {
		t.Error("nil inputs: no error")
	}
}
