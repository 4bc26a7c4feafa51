package graph_test

import (
	"fmt"
	"math/rand"

	"github.com/convzoo/convzoo/graph"
	G "gorgonia.org/gorgonia"
)

// A tiny network built layer by layer, and its summary.
func ExampleBuilder_Summary() {
	ps := graph.NewParams()
	b := graph.NewBuilder(ps, graph.Config{Rand: rand.New(rand.NewSource(1))})
	x := b.Input("x", 1, 1, 8, 8)
	x = b.Conv2d("conv", x, 4, 3, graph.Conv2dOpts{Padding: 1})
	x = b.BatchNorm("bn", x, graph.BatchNormOpts{})
	x = b.ReLU("relu", x)
	x = b.MaxPool2d("pool", x, 2, graph.PoolOpts{})
	x = b.Flatten("flatten", x)
	b.Linear("fc", x, 10, graph.LinearOpts{})
	if err := b.Err(); err != nil {
		fmt.Println(err)
		return
	}
	b.Summary(nopTrim{})
	// Output:
	// Layer (type)       Output Shape  Param #
	// ────────────────────────────────────────────────────────────────────────
	// conv (Conv2d)      (1, 4, 8, 8)  40
	// bn (BatchNorm2d)   (1, 4, 8, 8)  16
	// relu (ReLU)        (1, 4, 8, 8)  0
	// pool (MaxPool2d)   (1, 4, 4, 4)  0
	// flatten (Flatten)  (1, 64)       0
	// fc (Linear)        (1, 10)       650
	// ────────────────────────────────────────────────────────────────────────
	// Total params: 706
	// Trainable params: 698
	// Non-trainable params: 8
}

// Building the same model twice over one Params store shares the weights.
func ExampleNewBuilder() {
	model := func(b *graph.Builder, x *G.Node) *G.Node {
		return b.Linear("fc", b.Flatten("flatten", x), 3, graph.LinearOpts{})
	}
	ps := graph.NewParams()
	train := graph.NewBuilder(ps, graph.Config{Training: true})
	model(train, train.Input("x", 64, 1, 2, 2))
	eval := graph.NewBuilder(ps, graph.Config{})
	model(eval, eval.Input("x", 1000, 1, 2, 2))
	w, _ := ps.Get("fc.weight")
	fmt.Println(ps.Names(), w.Value.Shape(), train.LearnableParams()[0].Value == eval.LearnableParams()[0].Value)
	// Output: [fc.weight fc.bias] (3, 4) true
}

type nopTrim struct{}

func (nopTrim) Write(p []byte) (int, error) { fmt.Print(string(p)); return len(p), nil }
