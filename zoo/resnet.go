package zoo

import (
	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// A Shortcut is how a residual block carries its input when the block
// changes the shape (stride or channels); otherwise the shortcut is the
// identity.
type Shortcut int

const (
	// ShortcutProjection is He et al.'s option B, torchvision's
	// "downsample": a 1x1 convolution with the block's stride and no bias
	// (name.downsample.0) and a batch norm (name.downsample.1).
	ShortcutProjection Shortcut = iota
	// ShortcutPad is option A, parameter free: x[:, :, ::s, ::s] with
	// zero channels concatenated on both sides, one layer
	// (name.shortcut.pad, graph's SubsamplePad), as in the CIFAR ResNets.
	ShortcutPad
)

// BlockOpts configures BasicBlock and Bottleneck; the zero value is a
// stride-1 block with a projection shortcut where one is needed.
type BlockOpts struct {
	Stride int // 0 means 1; the block's spatial stride
	// ZeroInitResidual starts the block's last batch norm at gamma 0.
	ZeroInitResidual bool
	Shortcut         Shortcut
}

// BasicBlock is ResNet's two-layer block under name: conv1 (3x3, stride,
// no bias), bn1, ReLU, conv2 (3x3), bn2, plus the shortcut, then ReLU.
// Its output has planes channels. Convolutions use He normal (fan_out)
// weights, as torchvision.
func BasicBlock(b *graph.Builder, name string, x *G.Node, planes int, o BlockOpts) *G.Node {
	sc := b.Scope(name)
	s := max(o.Stride, 1)
	conv := graph.Conv2dOpts{Stride: s, Padding: 1, NoBias: true, WeightInit: graph.HeNormal}
	y := sc.Conv2d("conv1", x, planes, 3, conv)
	y = sc.ReLU("relu1", sc.BatchNorm("bn1", y, graph.BatchNormOpts{}))
	conv.Stride = 1
	y = sc.Conv2d("conv2", y, planes, 3, conv)
	y = sc.BatchNorm("bn2", y, graph.BatchNormOpts{ZeroInit: o.ZeroInitResidual})
	return sc.ReLU("relu2", sc.Add("add", y, shortcut(sc, x, planes, s, o.Shortcut)))
}

// Bottleneck is ResNet v1.5's three-layer block under name, as
// torchvision: conv1 (1x1, planes), bn1, ReLU, conv2 (3x3 with the
// block's stride, planes), bn2, ReLU, conv3 (1x1, 4·planes), bn3, plus the
// shortcut, then ReLU. Its output has 4·planes channels.
func Bottleneck(b *graph.Builder, name string, x *G.Node, planes int, o BlockOpts) *G.Node {
	sc := b.Scope(name)
	s := max(o.Stride, 1)
	conv := graph.Conv2dOpts{NoBias: true, WeightInit: graph.HeNormal}
	y := sc.Conv2d("conv1", x, planes, 1, conv)
	y = sc.ReLU("relu1", sc.BatchNorm("bn1", y, graph.BatchNormOpts{}))
	y = sc.Conv2d("conv2", y, planes, 3, graph.Conv2dOpts{Stride: s, Padding: 1, NoBias: true, WeightInit: graph.HeNormal})
	y = sc.ReLU("relu2", sc.BatchNorm("bn2", y, graph.BatchNormOpts{}))
	y = sc.Conv2d("conv3", y, planes*bottleneckExpansion, 1, conv)
	y = sc.BatchNorm("bn3", y, graph.BatchNormOpts{ZeroInit: o.ZeroInitResidual})
	return sc.ReLU("relu3", sc.Add("add", y, shortcut(sc, x, planes*bottleneckExpansion, s, o.Shortcut)))
}

const bottleneckExpansion = 4

// shortcut carries x to a block output of out channels and the given
// stride, in block scope b.
func shortcut(b *graph.Builder, x *G.Node, out, stride int, kind Shortcut) *G.Node {
	if b.Err() != nil || x == nil || x.Shape().Dims() != 4 {
		return x // the block's layers report the problem
	}
	in := x.Shape()[1]
	if stride == 1 && in == out {
		return x
	}
	switch kind {
	case ShortcutProjection:
		ds := b.Scope("downsample")
		x = ds.Conv2d("0", x, out, 1, graph.Conv2dOpts{Stride: stride, NoBias: true, WeightInit: graph.HeNormal})
		return ds.BatchNorm("1", x, graph.BatchNormOpts{})
	case ShortcutPad:
		sc := b.Scope("shortcut")
		if out < in {
			b.Fail(errors.Errorf("zoo: %s: a padding shortcut cannot shrink %d channels to %d", sc.Name(""), in, out))
			return nil
		}
		front := (out - in) / 2
		return sc.SubsamplePad("pad", x, stride, front, out-in-front)
	}
	b.Fail(errors.Errorf("zoo: %s: unknown shortcut kind %d", b.Name(""), kind))
	return nil
}

// resNetLayers are the blocks per stage of torchvision's ImageNet ResNets
// (He et al. table 1).
var resNetLayers = map[int]struct {
	bottleneck bool
	blocks     [4]int
}{
	18:  {false, [4]int{2, 2, 2, 2}},
	34:  {false, [4]int{3, 4, 6, 3}},
	50:  {true, [4]int{3, 4, 6, 3}},
	101: {true, [4]int{3, 4, 23, 3}},
	152: {true, [4]int{3, 8, 36, 3}},
}

// ResNet is torchvision's ImageNet ResNet of the given depth (18, 34, 50,
// 101 or 152; v1.5, whose Bottleneck strides on the 3x3): conv1 (7x7
// stride 2 padding 3, no bias), bn1, ReLU, maxpool (3x3 stride 2 padding
// 1), layer1-layer4 of BasicBlocks or Bottlenecks with 64, 128, 256 and
// 512 planes (the first block of layer2-4 strides by 2 and projects its
// shortcut, downsample.0/.1), adaptive average pooling to 1x1 and fc.
// Any input size works.
//
// Defaults: 1000 classes, 3 input channels. Initialisation as torchvision:
// He normal (fan_out) convolutions, batch norm gamma 1 (0 for each
// block's last with ZeroInitResidual) and beta 0, PyTorch's default for fc.
func ResNet(depth int, cfg Config) graph.Model {
	cfg = cfg.withDefaults(1000, 3)
	arch, ok := resNetLayers[depth]
	name := "resnet" + itoa(depth)
	return func(b *graph.Builder, x *G.Node) *G.Node {
		if !ok {
			b.Fail(errors.Errorf("zoo: %s: no such ResNet (depths: 18, 34, 50, 101, 152)", name))
			return nil
		}
		if !start(b, name, x, cfg) {
			return nil
		}
		n, h, w := dims(x)
		x = b.Conv2d("conv1", x, 64, 7, graph.Conv2dOpts{Stride: 2, Padding: 3, NoBias: true, WeightInit: graph.HeNormal})
		x = b.ReLU("relu", b.BatchNorm("bn1", x, graph.BatchNormOpts{}))
		x = b.MaxPool2d("maxpool", x, 3, graph.PoolOpts{Stride: 2, Padding: 1})
		h, w = outSize(outSize(h, 7, 2, 3, false), 3, 2, 1, false), outSize(outSize(w, 7, 2, 3, false), 3, 2, 1, false)
		b.ExpectShape("maxpool", x, n, 64, h, w)
		block, exp := BasicBlock, 1
		if arch.bottleneck {
			block, exp = Bottleneck, bottleneckExpansion
		}
		for i, count := range arch.blocks {
			planes, stride := 64<<i, min(i+1, 2)
			x, h, w = stage(b, "layer"+itoa(i+1), x, block, count, planes, stride, BlockOpts{ZeroInitResidual: cfg.ZeroInitResidual})
			b.ExpectShape("layer"+itoa(i+1), x, n, planes*exp, h, w)
		}
		x = b.AdaptiveAvgPool2d("avgpool", x, 1, 1)
		x = b.Linear("fc", b.Flatten("flatten", x), cfg.Classes, graph.LinearOpts{})
		b.ExpectShape("fc", x, n, cfg.Classes)
		return x
	}
}

// A blockFunc is BasicBlock or Bottleneck.
type blockFunc func(b *graph.Builder, name string, x *G.Node, planes int, o BlockOpts) *G.Node

// stage adds count blocks under name ("layer2.0", "layer2.1", ...), the
// first with the given stride, and returns the output with the spatial
// size it should have.
func stage(b *graph.Builder, name string, x *G.Node, block blockFunc, count, planes, stride int, o BlockOpts) (*G.Node, int, int) {
	_, h, w := dims(x)
	sc := b.Scope(name)
	for j := range count {
		o.Stride = 1
		if j == 0 {
			o.Stride = stride
		}
		x = block(sc, itoa(j), x, planes, o)
	}
	return x, outSize(h, 3, stride, 1, false), outSize(w, 3, stride, 1, false)
}
