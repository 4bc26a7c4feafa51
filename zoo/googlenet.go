package zoo

import (
	"github.com/convzoo/convzoo/graph"
	G "gorgonia.org/gorgonia"
)

// googLeNetInit is torchvision's GoogLeNet weight initialisation for
// convolutions and linear layers: N(0, 0.01²) truncated to [-2, 2].
var googLeNetInit = graph.TruncatedNormal(0, 0.01, -2, 2)

// BasicConv2d is torchvision's GoogLeNet unit: a convolution without bias
// (name.conv), batch norm with eps 0.001 (name.bn) and a ReLU. o sets the
// convolution's stride and padding; NoBias is always set and a nil
// WeightInit means GoogLeNet's truncated normal.
func BasicConv2d(b *graph.Builder, name string, x *G.Node, out, kernel int, o graph.Conv2dOpts) *G.Node {
	sc := b.Scope(name)
	o.NoBias = true
	if o.WeightInit == nil {
		o.WeightInit = googLeNetInit
	}
	x = sc.Conv2d("conv", x, out, kernel, o)
	x = sc.BatchNorm("bn", x, graph.BatchNormOpts{Eps: 0.001})
	return sc.ReLU("relu", x)
}

// InceptionCfg sets the widths of an Inception module, as the columns of
// Szegedy et al.'s table 1.
type InceptionCfg struct {
	Ch1x1    int // branch1: 1x1 convolution
	Ch3x3Red int // branch2: 1x1 reduction ...
	Ch3x3    int // ... then 3x3 convolution
	Ch5x5Red int // branch3: 1x1 reduction ...
	Ch5x5    int // ... then the "5x5" convolution
	PoolProj int // branch4: 3x3 max pool, then 1x1 projection
	// Kernel5x5 is branch3's second kernel. 0 means 3, torchvision's
	// (https://github.com/pytorch/vision/issues/906), whose pretrained
	// weights need it; 5 gives the paper's module.
	Kernel5x5 int
}

// Out is the module's output channels.
func (c InceptionCfg) Out() int { return c.Ch1x1 + c.Ch3x3 + c.Ch5x5 + c.PoolProj }

// Inception adds torchvision's Inception module under name: branch1
// (BasicConv2d 1x1), branch2.0/.1 (1x1, 3x3 padding 1), branch3.0/.1 (1x1,
// 3x3 padding 1), branch4 (3x3 stride-1 max pool with padding 1, then
// branch4.1, a 1x1 BasicConv2d), concatenated along the channels.
func Inception(b *graph.Builder, name string, x *G.Node, c InceptionCfg) *G.Node {
	sc := b.Scope(name)
	k5 := c.Kernel5x5
	if k5 == 0 {
		k5 = 3
	}
	b1 := BasicConv2d(sc, "branch1", x, c.Ch1x1, 1, graph.Conv2dOpts{})
	br := sc.Scope("branch2")
	b2 := BasicConv2d(br, "1", BasicConv2d(br, "0", x, c.Ch3x3Red, 1, graph.Conv2dOpts{}), c.Ch3x3, 3, graph.Conv2dOpts{Padding: 1})
	br = sc.Scope("branch3")
	b3 := BasicConv2d(br, "1", BasicConv2d(br, "0", x, c.Ch5x5Red, 1, graph.Conv2dOpts{}), c.Ch5x5, k5, graph.Conv2dOpts{Padding: k5 / 2})
	br = sc.Scope("branch4")
	b4 := br.MaxPool2d("0", x, 3, graph.PoolOpts{Stride: 1, Padding: 1, CeilMode: true})
	b4 = BasicConv2d(br, "1", b4, c.PoolProj, 1, graph.Conv2dOpts{})
	return sc.Concat("cat", b1, b2, b3, b4)
}

// googLeNetInceptions are torchvision's (and the paper's table 1)
// Inception modules in order; a name starting with "maxpool" is a 3x3
// stride-2 (maxpool4: 2x2 stride-2) ceil-mode max pool, and "aux1" and
// "aux2" mark where the auxiliary classifiers branch off.
var googLeNetInceptions = []struct {
	name string
	cfg  InceptionCfg
}{
	{"inception3a", InceptionCfg{64, 96, 128, 16, 32, 32, 0}},
	{"inception3b", InceptionCfg{128, 128, 192, 32, 96, 64, 0}},
	{"maxpool3", InceptionCfg{}},
	{"inception4a", InceptionCfg{192, 96, 208, 16, 48, 64, 0}},
	{"aux1", InceptionCfg{}},
	{"inception4b", InceptionCfg{160, 112, 224, 24, 64, 64, 0}},
	{"inception4c", InceptionCfg{128, 128, 256, 24, 64, 64, 0}},
	{"inception4d", InceptionCfg{112, 144, 288, 32, 64, 64, 0}},
	{"aux2", InceptionCfg{}},
	{"inception4e", InceptionCfg{256, 160, 320, 32, 128, 128, 0}},
	{"maxpool4", InceptionCfg{}},
	{"inception5a", InceptionCfg{256, 160, 320, 32, 128, 128, 0}},
	{"inception5b", InceptionCfg{384, 192, 384, 48, 128, 128, 0}},
}

// GoogLeNet is torchvision's GoogLeNet (Inception v1) with
// transform_input=False: conv1 (BasicConv2d 7x7 stride 2 padding 3, 64),
// maxpool1 (3x3 stride 2, ceil mode), conv2 (1x1, 64), conv3 (3x3
// padding 1, 192), maxpool2, inception3a-b, maxpool3, inception4a-e,
// maxpool4 (2x2 stride 2), inception5a-b, adaptive average pooling to
// 1x1, dropout and fc 1024->classes. 6,624,904 parameters for 1000
// classes; 13,004,888 with the auxiliary heads (AuxLogits, training
// graphs only: see the package documentation). The pools round up, so
// inputs far smaller than 224x224 still work (tests train it on 64x64).
//
// Defaults: 1000 classes, 3 input channels, dropout 0.2 (0.7 in the
// auxiliary heads).
func GoogLeNet(cfg Config) graph.Model {
	cfg = cfg.withDefaults(1000, 3)
	p := cfg.dropout(0.2)
	auxP := 0.7
	if cfg.DropoutP < 0 {
		auxP = 0
	}
	lin := graph.LinearOpts{WeightInit: googLeNetInit}
	return func(b *graph.Builder, x *G.Node) *G.Node {
		if !start(b, "googlenet", x, cfg) {
			return nil
		}
		n, h, w := dims(x)
		pool := func(name string, x *G.Node, k int) *G.Node {
			h, w = outSize(h, k, 2, 0, true), outSize(w, k, 2, 0, true)
			return b.MaxPool2d(name, x, k, graph.PoolOpts{Stride: 2, CeilMode: true})
		}
		x = BasicConv2d(b, "conv1", x, 64, 7, graph.Conv2dOpts{Stride: 2, Padding: 3})
		h, w = outSize(h, 7, 2, 3, false), outSize(w, 7, 2, 3, false)
		x = pool("maxpool1", x, 3)
		x = BasicConv2d(b, "conv2", x, 64, 1, graph.Conv2dOpts{})
		x = BasicConv2d(b, "conv3", x, 192, 3, graph.Conv2dOpts{Padding: 1})
		x = pool("maxpool2", x, 3)
		b.ExpectShape("maxpool2", x, n, 192, h, w)
		c := 192
		for _, m := range googLeNetInceptions {
			switch m.name {
			case "maxpool3":
				x = pool(m.name, x, 3)
			case "maxpool4":
				x = pool(m.name, x, 2)
			case "aux1", "aux2":
				if cfg.AuxLogits && b.Training() {
					b.AddAux(inceptionAux(b, m.name, x, cfg.Classes, auxP), 0.3)
				}
			default:
				x = Inception(b, m.name, x, m.cfg)
				c = m.cfg.Out()
			}
			b.ExpectShape(m.name, x, n, c, h, w)
		}
		x = b.AdaptiveAvgPool2d("avgpool", x, 1, 1)
		x = b.Flatten("flatten", x)
		x = b.Dropout("dropout", x, p)
		x = b.Linear("fc", x, cfg.Classes, lin)
		b.ExpectShape("fc", x, n, cfg.Classes)
		return x
	}
}

// inceptionAux is torchvision's InceptionAux: adaptive average pooling to
// 4x4, a 1x1 BasicConv2d to 128 channels (name.conv), fc1 2048->1024,
// ReLU, dropout p and fc2 1024->classes.
func inceptionAux(b *graph.Builder, name string, x *G.Node, classes int, p float64) *G.Node {
	sc := b.Scope(name)
	lin := graph.LinearOpts{WeightInit: googLeNetInit}
	x = sc.AdaptiveAvgPool2d("avgpool", x, 4, 4)
	x = BasicConv2d(sc, "conv", x, 128, 1, graph.Conv2dOpts{})
	x = sc.Flatten("flatten", x)
	x = sc.ReLU("relu", sc.Linear("fc1", x, 1024, lin))
	x = sc.Dropout("dropout", x, p)
	return sc.Linear("fc2", x, classes, lin)
}
