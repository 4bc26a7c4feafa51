package graph

import (
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// residualNet has each pattern Compile fuses: conv-bn-relu, conv-bn-add
// (the convolution on either side of the Add) then ReLU, conv+bias-relu,
// and a convolution read twice, by a ReLU and by an Add, each of which
// fuses its own copy of it.
func residualNet(b *Builder, x *G.Node) *G.Node {
	c := Conv2dOpts{Padding: 1, NoBias: true}
	y := b.ReLU("relu1", b.BatchNorm("bn1", b.Conv2d("conv1", x, 3, 3, c), BatchNormOpts{}))
	y = b.BatchNorm("bn2", b.Conv2d("conv2", y, 3, 3, c), BatchNormOpts{})
	y = b.ReLU("relu2", b.Add("add", y, x))
	z := b.BatchNorm("bn3", b.Conv2d("conv3", y, 3, 1, Conv2dOpts{NoBias: true}), BatchNormOpts{})
	y = b.ReLU("relu3", b.Add("add2", y, z))
	y = b.ReLU("relu4", b.Conv2d("conv4", y, 4, 3, Conv2dOpts{}))
	twice := b.Conv2d("conv5", y, 4, 1, Conv2dOpts{})
	return b.Add("add3", b.ReLU("relu5", twice), twice)
}

// TestFuseKeepsLayers builds residualNet with and without fusion over
// one store with random batch norms: the layer records and parameters
// are the same, every layer after a convolution is fused, and the
// outputs agree.
func TestFuseKeepsLayers(t *testing.T) {
	var layers [2][]Layer
	var outs [2]*G.Node
	var ops [2][]string
	ps := NewParams()
	rng := rand.New(rand.NewSource(4))
	xv := tensor.New(tensor.WithShape(1, 3, 5, 5), tensor.Of(tensor.Float64))
	Uniform(1)(rng, xv, 0, 0)
	for i, fuse := range []bool{false, true} {
		b := NewBuilder(ps, Config{Dtype: tensor.Float64})
		b.s.fuse = fuse
		x := b.Input("x", 1, 3, 5, 5)
		outs[i] = residualNet(b, x)
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
		layers[i] = b.Layers()
		for _, p := range ps.All() {
			if i == 0 && (!p.Trainable || p.Kind == ParamNorm) {
				Uniform(1)(rng, p.Value, 0, 0) // means, gammas, betas around 0
				if strings.HasSuffix(p.Name, "var") || strings.HasSuffix(p.Name, "bn1.weight") {
					testShift(p.Value, 1.5) // variances > 0; a gamma > 0 for the ReLU
				}
			}
		}
		if err := G.Let(x, xv); err != nil {
			t.Fatal(err)
		}
		sub := b.Graph().ExactSubgraphRoots(outs[i])
		vm := G.NewTapeMachine(sub)
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		vm.Close()
		for _, n := range sub.AllNodes() {
			if n.Op() != nil {
				ops[i] = append(ops[i], n.Op().String())
			}
		}
	}
	if !reflect.DeepEqual(layers[0], layers[1]) {
		t.Fatalf("layers differ:\nunfused %v\nfused   %v", layers[0], layers[1])
	}
	got := strings.Join(ops[1], "\n")
	for want, n := range map[string]int{"Fused(": 6, "+bn(": 3, "+residual+relu)": 2, ",bias=false)+bias+relu)": 2, "+bias+residual)": 1} {
		if c := strings.Count(got, want); c != n || len(ops[1]) != 6 {
			t.Errorf("%d ops with %q, want %d, and 6 ops in all:\n%s", c, want, n, got)
		}
	}
	a, b := outs[0].Value().Data().([]float64), outs[1].Value().Data().([]float64)
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12*math.Max(1, math.Abs(a[i])) {
			t.Fatalf("output %d: fused %g, unfused %g", i, b[i], a[i])
		}
	}
}

// testShift sets every element v of t (float64) to |v| + d: positive for d > 0.
func testShift(t *tensor.Dense, d float64) {
	v := t.Data().([]float64)
	for i := range v {
		v[i] = math.Abs(v[i]) + d
	}
}

// TestFusePoolEvalOnly: a float32 convolution and 2×2 max pooling become
// one op in an evaluation graph with fusion on, and stay two in a
// training graph (the fused op has no gradient) or without fusion.
func TestFusePoolEvalOnly(t *testing.T) {
	for _, c := range []struct {
		training, fuse bool
		want           int
	}{{false, true, 1}, {true, true, 0}, {false, false, 0}} {
		b := NewBuilder(NewParams(), Config{Training: c.training})
		b.s.fuse = c.fuse
		x := b.Input("x", 2, 1, 28, 28)
		y := b.MaxPool2d("pool", b.Conv2d("conv", x, 6, 5, Conv2dOpts{Padding: 2}), 2, PoolOpts{})
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
		pools := 0
		for _, n := range b.Graph().ExactSubgraphRoots(y).AllNodes() {
			if n.Op() != nil && strings.Contains(n.Op().String(), "+maxpool2x2)") {
				pools++
			}
		}
		if pools != c.want {
			t.Errorf("training %t, fuse %t: %d fused poolings, want %d", c.training, c.fuse, pools, c.want)
		}
	}
}
