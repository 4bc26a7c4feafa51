package zoo

import (
	"github.com/convzoo/convzoo/graph"
	G "gorgonia.org/gorgonia"
)

// LeNet5 is LeNet-5 (LeCun et al. 1998) as it is usually written today:
// conv1 6@5x5 with padding 2 (so 28x28 MNIST digits play the paper's
// 32x32 inputs), ReLU, 2x2 max pooling, conv2 16@5x5, ReLU, 2x2 max
// pooling, then fc1 400->120, fc2 120->84 and fc3 84->classes with ReLUs
// between. 61,706 parameters for 1x28x28 inputs and 10 classes; other
// input sizes change fc1's input width.
//
// Defaults: 10 classes, 1 input channel. Parameter names: conv1.weight,
// conv1.bias, conv2.*, fc1.*, fc2.*, fc3.*.
func LeNet5(cfg Config) graph.Model {
	cfg = cfg.withDefaults(10, 1)
	return func(b *graph.Builder, x *G.Node) *G.Node {
		if !start(b, "lenet", x, cfg) {
			return nil
		}
		n, h, w := dims(x)
		x = b.Conv2d("conv1", x, 6, 5, graph.Conv2dOpts{Padding: 2})
		x = b.ReLU("relu1", x)
		x = b.MaxPool2d("pool1", x, 2, graph.PoolOpts{})
		h, w = outSize(outSize(h, 5, 1, 2, false), 2, 2, 0, false), outSize(outSize(w, 5, 1, 2, false), 2, 2, 0, false)
		b.ExpectShape("pool1", x, n, 6, h, w)
		x = b.Conv2d("conv2", x, 16, 5, graph.Conv2dOpts{})
		x = b.ReLU("relu2", x)
		x = b.MaxPool2d("pool2", x, 2, graph.PoolOpts{})
		h, w = outSize(outSize(h, 5, 1, 0, false), 2, 2, 0, false), outSize(outSize(w, 5, 1, 0, false), 2, 2, 0, false)
		b.ExpectShape("pool2", x, n, 16, h, w)
		x = b.Flatten("flatten", x)
		x = b.ReLU("relu3", b.Linear("fc1", x, 120, graph.LinearOpts{}))
		x = b.ReLU("relu4", b.Linear("fc2", x, 84, graph.LinearOpts{}))
		x = b.Linear("fc3", x, cfg.Classes, graph.LinearOpts{})
		b.ExpectShape("fc3", x, n, cfg.Classes)
		return x
	}
}
