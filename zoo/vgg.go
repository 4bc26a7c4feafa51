package zoo

import (
	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// mp marks a 2x2 stride-2 max pool in a VGG configuration (torchvision's "M").
const mp = -1

// vggConfigs are the convolution columns of Simonyan and Zisserman's
// table 1 (A, B, D and E): output channels of each 3x3 convolution, and mp
// for a max pool.
var vggConfigs = map[int][]int{
	11: {64, mp, 128, mp, 256, 256, mp, 512, 512, mp, 512, 512, mp},
	13: {64, 64, mp, 128, 128, mp, 256, 256, mp, 512, 512, mp, 512, 512, mp},
	16: {64, 64, mp, 128, 128, mp, 256, 256, 256, mp, 512, 512, 512, mp, 512, 512, 512, mp},
	19: {64, 64, mp, 128, 128, mp, 256, 256, 256, 256, mp, 512, 512, 512, 512, mp, 512, 512, 512, 512, mp},
}

// VGG is torchvision's VGG of the given depth (11, 13, 16 or 19), with a
// batch norm after every convolution when batchNorm is set. The features
// are numbered as torchvision's nn.Sequential: conv, [bn], relu per
// convolution and one index per max pool, so vgg16's convolutions are
// features.0, .2, .5, .7, ... and vgg16_bn's features.0, .3, .7, ....
// Then adaptive average pooling to 7x7 and the classifier: classifier.0
// 25088->4096, .1 ReLU, .2 dropout, .3 4096->4096, .4 ReLU, .5 dropout,
// .6 4096->classes. Any input of at least 32x32 pixels works.
//
// Defaults: 1000 classes, 3 input channels, dropout 0.5. Initialisation
// as torchvision: He normal (fan_out) convolutions with zero bias, batch
// norm gamma 1 beta 0, linear weights N(0, 0.01²) with zero bias.
func VGG(depth int, batchNorm bool, cfg Config) graph.Model {
	return vgg(vggConfigs[depth], "vgg"+itoa(depth), batchNorm, 4096, cfg)
}

// vgg builds a VGG from a configuration column and the classifier's
// hidden width (4096 for the real networks; tests use smaller ones).
func vgg(column []int, name string, batchNorm bool, hidden int, cfg Config) graph.Model {
	cfg = cfg.withDefaults(1000, 3)
	if batchNorm {
		name += "_bn"
	}
	var table []seqLayer
	last := 0
	for _, v := range column {
		if v == mp {
			table = append(table, seqLayer{kind: seqMaxPool, k: 2, s: 2})
			continue
		}
		table = append(table, seqLayer{kind: seqConv, out: v, k: 3, s: 1, p: 1, wInit: graph.HeNormal, bInit: graph.Constant(0)})
		if batchNorm {
			table = append(table, seqLayer{kind: seqBN})
		}
		table = append(table, seqLayer{kind: seqReLU})
		last = v
	}
	p := cfg.dropout(0.5)
	lin := graph.LinearOpts{WeightInit: graph.Normal(0, 0.01), BiasInit: graph.Constant(0)}
	return func(b *graph.Builder, x *G.Node) *G.Node {
		if len(column) == 0 {
			b.Fail(errors.Errorf("zoo: %s: no such VGG (depths: 11, 13, 16, 19)", name))
			return nil
		}
		if !start(b, name, x, cfg) {
			return nil
		}
		n, _, _ := dims(x)
		x = sequential(b, "features", x, table)
		x = b.AdaptiveAvgPool2d("avgpool", x, 7, 7)
		b.ExpectShape("avgpool", x, n, last, 7, 7)
		x = b.Flatten("flatten", x)
		cl := b.Scope("classifier")
		x = cl.ReLU("1", cl.Linear("0", x, hidden, lin))
		x = cl.Dropout("2", x, p)
		x = cl.ReLU("4", cl.Linear("3", x, hidden, lin))
		x = cl.Dropout("5", x, p)
		x = cl.Linear("6", x, cfg.Classes, lin)
		b.ExpectShape("classifier", x, n, cfg.Classes)
		return x
	}
}
