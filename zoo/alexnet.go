package zoo

import (
	"github.com/convzoo/convzoo/graph"
	G "gorgonia.org/gorgonia"
)

// A seqLayer is one entry of an nn.Sequential-style table (AlexNet's and
// VGG's "features"): its position in the table is its name.
type seqLayer struct {
	kind    seqKind
	out     int // output channels (convolutions)
	k, s, p int // kernel, stride, padding (convolutions and pools)
	wInit   graph.Initializer
	bInit   graph.Initializer
	noBias  bool
}

type seqKind int

const (
	seqConv seqKind = iota
	seqBN
	seqReLU
	seqLRN
	seqMaxPool
)

// sequential adds the layers of table to b under the scope name, each
// named by its index ("features.0", "features.1", ...), and checks the
// output shape after every pooling layer.
func sequential(b *graph.Builder, name string, x *G.Node, table []seqLayer) *G.Node {
	sc := b.Scope(name)
	n, h, w := dims(x)
	c := 0
	if x != nil && x.Shape().Dims() == 4 {
		c = x.Shape()[1]
	}
	for i, l := range table {
		id := itoa(i)
		switch l.kind {
		case seqConv:
			x = sc.Conv2d(id, x, l.out, l.k, graph.Conv2dOpts{Stride: l.s, Padding: l.p, NoBias: l.noBias, WeightInit: l.wInit, BiasInit: l.bInit})
			c, h, w = l.out, outSize(h, l.k, max(l.s, 1), l.p, false), outSize(w, l.k, max(l.s, 1), l.p, false)
		case seqBN:
			x = sc.BatchNorm(id, x, graph.BatchNormOpts{})
		case seqReLU:
			x = sc.ReLU(id, x)
		case seqLRN:
			x = sc.LocalResponseNorm(id, x, graph.LRNOpts{})
		case seqMaxPool:
			x = sc.MaxPool2d(id, x, l.k, graph.PoolOpts{Stride: l.s, Padding: l.p})
			h, w = outSize(h, l.k, max(l.s, 1), l.p, false), outSize(w, l.k, max(l.s, 1), l.p, false)
			sc.ExpectShape(id, x, n, c, h, w)
		}
	}
	return x
}

// AlexNet is torchvision's AlexNet (the single-tower variant of
// Krizhevsky's "One weird trick" paper): features.0 conv 64@11x11 stride 4
// padding 2, features.3 conv 192@5x5 padding 2, features.6/8/10 3x3 convs
// of 384, 256 and 256 channels, 3x3 stride-2 max pools after the first,
// second and fifth convolution, adaptive average pooling to 6x6, then
// classifier.1 9216->4096, classifier.4 4096->4096 and classifier.6
// 4096->classes, with dropout (classifier.0, .3) before the first two.
// 61,100,840 parameters for 1000 classes. Any input of at least 63x63
// pixels works; smaller ones fail at the first layer whose output would
// be empty.
//
// Defaults: 1000 classes, 3 input channels, dropout 0.5. Weights use
// PyTorch's default initialisation, as torchvision's AlexNet does.
func AlexNet(cfg Config) graph.Model { return alexNet(cfg, false, 1) }

// AlexNetLRN is AlexNet with the paper's local response normalisation
// (size 5, alpha 1e-4, beta 0.75, k 2) after the first two ReLUs, before
// their max pools. It keeps torchvision's channel counts
// (64/192/384/256/256), so only the two LRN layers differ from AlexNet
// and the parameter count is the same, 61,100,840. The layers are
// numbered as the equivalent nn.Sequential numbers them, so the
// convolutions are features.0, .4, .8, .10 and .12 (the LRNs are
// features.2 and .6): torchvision's alexnet weights do not load into it
// under the same names.
func AlexNetLRN(cfg Config) graph.Model { return alexNet(cfg, true, 1) }

// alexNet builds AlexNet with its channel counts and hidden widths divided
// by div (1 for the real network; tests use smaller ones).
func alexNet(cfg Config, lrn bool, div int) graph.Model {
	cfg = cfg.withDefaults(1000, 3)
	name := "alexnet"
	if lrn {
		name = "alexnet_lrn"
	}
	conv := func(out, k, s, p int) seqLayer { return seqLayer{kind: seqConv, out: out / div, k: k, s: s, p: p} }
	relu, pool := seqLayer{kind: seqReLU}, seqLayer{kind: seqMaxPool, k: 3, s: 2}
	var table []seqLayer
	table = append(table, conv(64, 11, 4, 2), relu)
	if lrn {
		table = append(table, seqLayer{kind: seqLRN})
	}
	table = append(table, pool, conv(192, 5, 1, 2), relu)
	if lrn {
		table = append(table, seqLayer{kind: seqLRN})
	}
	table = append(table, pool, conv(384, 3, 1, 1), relu, conv(256, 3, 1, 1), relu, conv(256, 3, 1, 1), relu, pool)
	p := cfg.dropout(0.5)
	hidden := 4096 / div
	return func(b *graph.Builder, x *G.Node) *G.Node {
		if !start(b, name, x, cfg) {
			return nil
		}
		n, _, _ := dims(x)
		x = sequential(b, "features", x, table)
		x = b.AdaptiveAvgPool2d("avgpool", x, 6, 6)
		b.ExpectShape("avgpool", x, n, 256/div, 6, 6)
		x = b.Flatten("flatten", x)
		cl := b.Scope("classifier")
		x = cl.Dropout("0", x, p)
		x = cl.ReLU("2", cl.Linear("1", x, hidden, graph.LinearOpts{}))
		x = cl.Dropout("3", x, p)
		x = cl.ReLU("5", cl.Linear("4", x, hidden, graph.LinearOpts{}))
		x = cl.Linear("6", x, cfg.Classes, graph.LinearOpts{})
		b.ExpectShape("classifier", x, n, cfg.Classes)
		return x
	}
}
