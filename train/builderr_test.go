package train

import (
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	G "gorgonia.org/gorgonia"
)

// TestModelFailingMidway: a layer fails (a 5x5 kernel on a 2x2 map) and
// returns nil, and the model then reads that node's shape, which panics.
// The error must be the layer's, naming it, not the nil dereference.
func TestModelFailingMidway(t *testing.T) {
	model := func(b *graph.Builder, x *G.Node) *G.Node {
		x = b.Conv2d("conv1", x, 4, 3, graph.Conv2dOpts{})
		x = b.MaxPool2d("pool", x, 3, graph.PoolOpts{}) // 6x6 -> 2x2
		x = b.Conv2d("conv2", x, 4, 5, graph.Conv2dOpts{})
		c := x.Shape()[1] // nil node: panics
		return b.Linear("fc", b.Flatten("flatten", x), c, graph.LinearOpts{})
	}
	_, err := New(model, graph.NewParams(), Config{Input: []int{1, 8, 8}})
	if err == nil || !strings.Contains(err.Error(), "conv2") || strings.Contains(err.Error(), "nil pointer") {
		t.Errorf("error %v, want conv2's", err)
	}
	_, err = CompileStep(model, graph.NewParams(), StepConfig{Input: []int{1, 8, 8}})
	if err == nil || !strings.Contains(err.Error(), "conv2") || strings.Contains(err.Error(), "nil pointer") {
		t.Errorf("CompileStep: error %v, want conv2's", err)
	}
	// A panic without a builder error is still reported as a panic.
	_, err = New(func(b *graph.Builder, x *G.Node) *G.Node { panic("model bug") }, graph.NewParams(), Config{Input: []int{1, 8, 8}})
	if err == nil || !strings.Contains(err.Error(), "model bug") {
		t.Errorf("a panicking model: %v", err)
	}
}
