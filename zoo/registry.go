package zoo

import (
	"sort"
	"strconv"
	"strings"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/graph/op"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// Config adjusts a model. Its zero value builds the model as its Spec
// describes it (torchvision's defaults).
type Config struct {
	// Classes is the number of outputs. 0 means the model's default: 1000
	// for the ImageNet models, 10 for LeNet-5 and the CIFAR ResNets.
	Classes int
	// InChannels is the number of input channels. 0 means the model's
	// default: 1 for LeNet-5, 3 otherwise. Models read it from the input,
	// and fail the build if the input has another channel count.
	InChannels int
	// AuxLogits adds GoogLeNet's two auxiliary classifiers to training
	// graphs (see the package documentation). Other models ignore it.
	AuxLogits bool
	// ZeroInitResidual starts the last batch norm of every residual block
	// at gamma 0, so each block starts as the identity (ResNets only).
	ZeroInitResidual bool
	// DropoutP is the dropout probability of the classifier. 0 means the
	// model's default (0.5 for AlexNet and VGG, 0.2 for GoogLeNet);
	// negative means no dropout. GoogLeNet's auxiliary heads keep their
	// 0.7 unless DropoutP is negative. Models without dropout ignore it.
	DropoutP float64
}

// dropout resolves DropoutP against the model's default; 0 means none.
func (c Config) dropout(def float64) float64 {
	switch {
	case c.DropoutP < 0:
		return 0
	case c.DropoutP == 0:
		return def
	}
	return c.DropoutP
}

// withDefaults fills the zero fields of c with the model's defaults.
func (c Config) withDefaults(classes, inChannels int) Config {
	if c.Classes == 0 {
		c.Classes = classes
	}
	if c.InChannels == 0 {
		c.InChannels = inChannels
	}
	return c
}

// A Spec describes a registered model.
type Spec struct {
	Name    string   // registry name, e.g. "resnet50"
	Aliases []string // other accepted names
	Family  string   // "LeNet", "AlexNet", "VGG", "GoogLeNet", "ResNet"
	Paper   string   // the paper that introduced it
	Input   [3]int   // default input C, H, W
	Classes int      // default number of classes
	// Params is the number of trainable parameters at the default config,
	// torchvision 0.14's count where torchvision has the model.
	Params int
	// New returns the model for cfg.
	New func(cfg Config) graph.Model
}

const (
	paperLeNet     = "LeCun et al. 1998, Gradient-based learning applied to document recognition"
	paperAlexNet   = "Krizhevsky et al. 2012, ImageNet classification with deep convolutional neural networks (torchvision: Krizhevsky 2014, One weird trick)"
	paperVGG       = "Simonyan and Zisserman 2015, Very deep convolutional networks for large-scale image recognition"
	paperGoogLeNet = "Szegedy et al. 2015, Going deeper with convolutions"
	paperResNet    = "He et al. 2016, Deep residual learning for image recognition"
)

var imageNet = [3]int{3, 224, 224}

func vggSpec(depth int, bn bool, params int) Spec {
	name := "vgg" + itoa(depth)
	if bn {
		name += "_bn"
	}
	return Spec{Name: name, Family: "VGG", Paper: paperVGG, Input: imageNet, Classes: 1000, Params: params,
		New: func(c Config) graph.Model { return VGG(depth, bn, c) }}
}

func resNetSpec(depth, params int) Spec {
	return Spec{Name: "resnet" + itoa(depth), Family: "ResNet", Paper: paperResNet, Input: imageNet, Classes: 1000, Params: params,
		New: func(c Config) graph.Model { return ResNet(depth, c) }}
}

func cifarSpec(depth, params int) Spec {
	return Spec{Name: "resnet" + itoa(depth), Family: "ResNet", Paper: paperResNet + ", section 4.2 (CIFAR-10)",
		Input: [3]int{3, 32, 32}, Classes: 10, Params: params,
		New: func(c Config) graph.Model { return ResNetCIFAR(depth, c) }}
}

var registry = []Spec{
	{Name: "lenet", Aliases: []string{"lenet5", "lenet-5"}, Family: "LeNet", Paper: paperLeNet,
		Input: [3]int{1, 28, 28}, Classes: 10, Params: 61706, New: LeNet5},
	{Name: "alexnet", Family: "AlexNet", Paper: paperAlexNet, Input: imageNet, Classes: 1000, Params: 61100840, New: AlexNet},
	{Name: "alexnet_lrn", Family: "AlexNet", Paper: paperAlexNet, Input: imageNet, Classes: 1000, Params: 61100840, New: AlexNetLRN},
	vggSpec(11, false, 132863336),
	vggSpec(13, false, 133047848),
	vggSpec(16, false, 138357544),
	vggSpec(19, false, 143667240),
	vggSpec(11, true, 132868840),
	vggSpec(13, true, 133053736),
	vggSpec(16, true, 138365992),
	vggSpec(19, true, 143678248),
	{Name: "googlenet", Aliases: []string{"inception_v1", "inceptionv1"}, Family: "GoogLeNet", Paper: paperGoogLeNet,
		Input: imageNet, Classes: 1000, Params: 6624904, New: GoogLeNet},
	resNetSpec(18, 11689512),
	resNetSpec(34, 21797672),
	resNetSpec(50, 25557032),
	resNetSpec(101, 44549160),
	resNetSpec(152, 60192808),
	cifarSpec(20, 269722),
	cifarSpec(32, 464154),
	cifarSpec(44, 658586),
	cifarSpec(56, 853018),
	cifarSpec(110, 1727962),
}

// Specs lists every registered model, in registry order (by family, then
// by size). The slice is a copy.
func Specs() []Spec {
	out := make([]Spec, len(registry))
	for i, s := range registry {
		s.Aliases = append([]string(nil), s.Aliases...)
		out[i] = s
	}
	return out
}

// Names lists the registered model names, in registry order.
func Names() []string {
	out := make([]string, len(registry))
	for i, s := range registry {
		out[i] = s.Name
	}
	return out
}

// Get finds a model by name or alias, ignoring case. An unknown name is an
// error that lists every known name.
func Get(name string) (Spec, error) {
	want := strings.ToLower(strings.TrimSpace(name))
	for _, s := range Specs() {
		if s.Name == want {
			return s, nil
		}
		for _, a := range s.Aliases {
			if a == want {
				return s, nil
			}
		}
	}
	var known []string
	for _, s := range registry {
		known = append(known, s.Name)
		known = append(known, s.Aliases...)
	}
	sort.Strings(known)
	return Spec{}, errors.Errorf("zoo: unknown model %q (known: %s)", name, strings.Join(known, ", "))
}

// start checks the model's input and settings before any layer is added:
// x must be (N, cfg.InChannels, H, W) and cfg.Classes positive. model
// names the model in the error.
func start(b *graph.Builder, model string, x *G.Node, cfg Config) bool {
	if b.Err() != nil {
		return false
	}
	switch {
	case x == nil:
		b.Fail(errors.Errorf("zoo: %s: nil input", model))
	case x.Shape().Dims() != 4:
		b.Fail(errors.Errorf("zoo: %s: input must be (N,C,H,W), got shape %v", model, x.Shape()))
	case x.Shape()[1] != cfg.InChannels:
		b.Fail(errors.Errorf("zoo: %s: input has %d channels, the model was configured for %d (shape %v)",
			model, x.Shape()[1], cfg.InChannels, x.Shape()))
	case cfg.Classes <= 0:
		b.Fail(errors.Errorf("zoo: %s: %d classes", model, cfg.Classes))
	case cfg.DropoutP >= 1:
		b.Fail(errors.Errorf("zoo: %s: dropout probability %g >= 1", model, cfg.DropoutP))
	}
	return b.Err() == nil
}

// outSize is the output size of a convolution or pooling window of size k,
// stride s and padding p over n inputs (op.OutSize, PyTorch's rule).
func outSize(n, k, s, p int, ceil bool) int { return op.OutSize(n, k, s, p, 1, ceil) }

// dims returns the batch, height and width of x (N,C,H,W).
func dims(x *G.Node) (n, h, w int) {
	if x == nil || x.Shape().Dims() != 4 {
		return 0, 0, 0
	}
	s := x.Shape()
	return s[0], s[2], s[3]
}

func itoa(n int) string { return strconv.Itoa(n) }
