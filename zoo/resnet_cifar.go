package zoo

import (
	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// ResNetCIFAR is He et al.'s CIFAR-10 ResNet of depth 6n+2 (20, 32, 44,
// 56, 110, ...): conv1 (3x3, 16, no bias), bn1, ReLU, layer1-layer3 of n
// BasicBlocks with 16, 32 and 64 planes (the first block of layer2 and
// layer3 strides by 2), adaptive average pooling to 1x1 and fc
// 64->classes. Shortcuts that change shape are option A (ShortcutPad):
// x[:, :, ::2, ::2] with planes/4 zero channels on each side, so the
// network has no parameters beyond its convolutions, batch norms and fc:
// 269,722 for ResNet-20 with 10 classes. Parameter names follow the
// torchvision layout: conv1.weight, bn1.*, layer1.0.conv1.weight,
// layer1.0.bn1.*, ..., fc.weight, fc.bias.
//
// Defaults: 10 classes, 3 input channels. Convolutions are He normal
// (fan_out), batch norms gamma 1 (0 for each block's last with
// ZeroInitResidual) beta 0, fc PyTorch's default.
func ResNetCIFAR(depth int, cfg Config) graph.Model {
	cfg = cfg.withDefaults(10, 3)
	name := "resnet" + itoa(depth)
	return func(b *graph.Builder, x *G.Node) *G.Node {
		if depth < 8 || (depth-2)%6 != 0 {
			b.Fail(errors.Errorf("zoo: %s: a CIFAR ResNet has depth 6n+2 (20, 32, 44, 56, 110, ...)", name))
			return nil
		}
		if !start(b, name, x, cfg) {
			return nil
		}
		n, h, w := dims(x)
		x = b.Conv2d("conv1", x, 16, 3, graph.Conv2dOpts{Padding: 1, NoBias: true, WeightInit: graph.HeNormal})
		x = b.ReLU("relu", b.BatchNorm("bn1", x, graph.BatchNormOpts{}))
		o := BlockOpts{ZeroInitResidual: cfg.ZeroInitResidual, Shortcut: ShortcutPad}
		for i := range 3 {
			planes, stride := 16<<i, min(i+1, 2)
			x, h, w = stage(b, "layer"+itoa(i+1), x, BasicBlock, (depth-2)/6, planes, stride, o)
			b.ExpectShape("layer"+itoa(i+1), x, n, planes, h, w)
		}
		x = b.AdaptiveAvgPool2d("avgpool", x, 1, 1)
		x = b.Linear("fc", b.Flatten("flatten", x), cfg.Classes, graph.LinearOpts{})
		b.ExpectShape("fc", x, n, cfg.Classes)
		return x
	}
}
