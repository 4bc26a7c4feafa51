package graph

import (
	"strconv"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
)

// TestSizeLimits builds layers whose tensors would need far more memory
// than any machine has: each must fail the build with the layer and the
// shape named, without allocating (an allocation of this size would end
// the test binary with "fatal error: out of memory").
func TestSizeLimits(t *testing.T) {
	cases := []struct {
		name  string
		build func(b *Builder, x *G.Node) *G.Node
		input []int
		want  []string
		// wide: needs a 64-bit int, skipped under GOARCH=386 (there the
		// overflowing product's output size overflows int itself and the
		// convolution reports a kernel that does not fit).
		wide bool
	}{
		{"conv padding", func(b *Builder, x *G.Node) *G.Node {
			return b.Conv2d("conv", x, 2, 3, Conv2dOpts{Padding: pow2(40)})
		}, []int{1, 1, 4, 4}, []string{"graph: conv: Conv2d: kernel 3, stride 0, padding 1099511627776 or dilation 0 above 2147483647"}, true},
		{"conv output", func(b *Builder, x *G.Node) *G.Node {
			return b.Conv2d("conv", x, 2, 3, Conv2dOpts{Padding: 1 << 20})
		}, []int{1, 1, 4, 4}, []string{"graph: conv: Conv2d: output of shape (1, 2, 2097154, 2097154)", "MaxElements"}, false},
		{"conv settings", func(b *Builder, x *G.Node) *G.Node {
			return b.Conv2d("conv", x, 2, 3, Conv2dOpts{Padding: pow2(62)})
		}, []int{1, 1, 4, 4}, []string{"graph: conv: Conv2d: kernel 3, stride 0, padding 4611686018427387904"}, true},
		{"conv columns", func(b *Builder, x *G.Node) *G.Node {
			return b.Conv2d("conv", x, 1, 101, Conv2dOpts{Padding: 50, NoBias: true})
		}, []int{1, 3, 4000, 4000}, []string{"graph: conv: Conv2d: im2col columns of shape (3, 101, 101, 4000, 4000)"}, false},
		{"linear weight", func(b *Builder, x *G.Node) *G.Node {
			return b.Scope("classifier").Linear("fc", x, 2000000000, LinearOpts{})
		}, []int{1, 84}, []string{`parameter "classifier.fc.weight" of shape (2000000000, 84)`}, false},
		{"input", func(b *Builder, x *G.Node) *G.Node { return x }, []int{1, 100000000, 28, 28},
			[]string{"graph: x: input of shape (1, 100000000, 28, 28)"}, false},
		{"adaptive pool", func(b *Builder, x *G.Node) *G.Node {
			return b.AdaptiveAvgPool2d("pool", x, pow2(40), 1)
		}, []int{1, 1, 4, 4}, []string{"graph: pool: AdaptiveAvgPool2d: output of shape (1, 1, 1099511627776, 1)"}, true},
		{"overflowing product", func(b *Builder, x *G.Node) *G.Node {
			return b.Conv2d("conv", x, 2, 1, Conv2dOpts{Padding: 1<<31 - 1})
		}, []int{1, 1, 1, 1}, []string{"graph: conv: Conv2d: output of shape (1, 2, 4294967295, 4294967295)"}, true},
	}
	for _, c := range cases {
		if c.wide && strconv.IntSize < 64 {
			continue
		}
		b := NewBuilder(NewParams(), Config{})
		x := b.Input("x", c.input...)
		if y := c.build(b, x); y != nil {
			t.Errorf("%s: built a node of shape %v", c.name, y.Shape())
		}
		wantErr(t, c.name, b.Err(), c.want)
		for _, name := range b.Params().Names() {
			if p, _ := b.Params().Get(name); p.Size() > 100000 {
				t.Errorf("%s: parameter %s of %d elements allocated", c.name, name, p.Size())
			}
		}
	}
}

// pow2 returns 1<<k as an int; a variable shift, so the tests that use
// it compile where int has 32 bits (they are skipped there when k >= 31).
func pow2(k uint) int { return 1 << k }

func TestElements(t *testing.T) {
	for _, c := range []struct {
		shape []int
		n     int
		ok    bool
		wide  bool // needs a 64-bit int (skipped under GOARCH=386)
	}{
		{[]int{}, 1, true, false},
		{[]int{2, 3}, 6, true, false},
		{[]int{0, pow2(40)}, 0, true, true},
		{[]int{MaxElements}, MaxElements, true, false},
		{[]int{MaxElements, 1}, MaxElements, true, false},
		{[]int{1 << 16, 1 << 15}, 0, false, false},
		{[]int{pow2(32), pow2(32)}, 0, false, true},
		{[]int{-1}, 0, false, false},
	} {
		if c.wide && strconv.IntSize < 64 {
			continue
		}
		if n, ok := elements(c.shape); n != c.n || ok != c.ok {
			t.Errorf("elements(%v) = %d, %v; want %d, %v", c.shape, n, ok, c.n, c.ok)
		}
	}
}

// wantErr fails the test unless err is an error whose text holds every
// string of want.
func wantErr(t *testing.T, name string, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", name)
		return
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q lacks %q", name, err, w)
		}
	}
}

// TestParamBudget: parameters that each fit MaxElements but together pass
// MaxParamElements fail the build at the one that passes it, named, before
// it is allocated (LeNet at 4096x4096 allocated an 8 GB fc1 and ended in
// "fatal error: out of memory" under a memory limit). The budget is
// lowered here so the case is cheap; parameters already in the store
// count too.
func TestParamBudget(t *testing.T) {
	defer func(m int) { maxParamElements = m }(maxParamElements)
	maxParamElements = 1000
	build := func(ps *Params) error {
		b := NewBuilder(ps, Config{})
		x := b.Input("x", 1, 20)
		h := b.Linear("fc1", x, 30, LinearOpts{NoBias: true}) // 600
		b.Scope("head").Linear("fc2", h, 20, LinearOpts{})    // 600 + 20
		return b.Err()
	}
	ps := NewParams()
	err := build(ps)
	if err == nil || !strings.Contains(err.Error(), `parameter "head.fc2.weight" of shape (20, 30) would bring the graph's parameters to more than graph.MaxParamElements (1000) elements`) {
		t.Fatalf("error %v", err)
	}
	if _, ok := ps.Get("head.fc2.weight"); ok {
		t.Error("the refused parameter was allocated")
	}
	if err := build(ps); err == nil {
		t.Error("a second build over the store holding fc1: no error")
	}
	maxParamElements = 1220
	if err := build(NewParams()); err != nil {
		t.Errorf("parameters of 1220 elements within a budget of 1220: %v", err)
	}
}
