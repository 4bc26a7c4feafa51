// Package graph is convzoo's layer over Gorgonia's symbolic graphs.
//
// Gorgonia graphs have static shapes, so a training graph (batch 64,
// dropout on, batch norm on batch statistics) and an evaluation graph
// (batch 1000, dropout off, running statistics) are two graphs. Both are
// built by the same Model function over one Params store, which owns every
// weight and buffer by a stable, hierarchical name — torchvision's
// state_dict keys, so weights exported from PyTorch load as they are.
// Nodes are bound to those tensors: an update made while training is seen
// by evaluation with no copy.
//
// A Builder holds one graph, its Params, its mode and a name scope. Layer
// methods (Conv2d, BatchNorm, MaxPool2d, Linear, Dropout, ReLU, Concat,
// Add, ...) record the first error and become no-ops after it, so model
// code reads like the paper's table and is checked once with Err:
//
//	b := graph.NewBuilder(params, graph.Config{Training: true})
//	x := b.Input("x", 64, 1, 28, 28)
//	y := b.Conv2d("conv1", x, 6, 5, graph.Conv2dOpts{Padding: 2})
//	y = b.ReLU("relu1", y)
//	...
//	if err := b.Err(); err != nil { ... }
//
// The arithmetic that Gorgonia v0.9.18 gets wrong or does slowly (average
// pooling, batch norm with external running statistics, dropout, local
// response normalisation, convolution without layout transposes) lives in
// the custom ops of package graph/op, each checked against finite
// differences.
package graph
