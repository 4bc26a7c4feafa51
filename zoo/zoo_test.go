package zoo

import (
	"bufio"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	G "gorgonia.org/gorgonia"
)

// build builds model over a fresh store with batch-1 float32 input of the
// given C,H,W and returns the builder, the logits and the store.
func build(t testing.TB, model graph.Model, training bool, in ...int) (*graph.Builder, *G.Node, *graph.Params) {
	t.Helper()
	ps := graph.NewParams()
	b := graph.NewBuilder(ps, graph.Config{Training: training, Rand: rand.New(rand.NewSource(1))})
	x := b.Input("x", in...)
	y := model(b, x)
	return b, y, ps
}

// zooCase is one row of the shared table: a model at some config, its
// input, and the output shape and trainable parameter count it must have.
type zooCase struct {
	name     string // registry name
	cfg      Config
	training bool
	in       []int // N,C,H,W; nil means batch 1 at the Spec's input
	out      []int // nil means (N, Spec.Classes or cfg.Classes)
	params   int   // 0 means Spec.Params
	keys     []string
	notKeys  []string
	golden   string // testdata/torchvision file with the state_dict to match
}

// zooCases holds every registered model at its defaults (with some of
// torchvision's state_dict keys that must be there) and a few variants
// with the reference counts of docs/reference.md.
func zooCases() []zooCase {
	keys := map[string][]string{
		"lenet":       {"conv1.weight", "conv1.bias", "conv2.weight", "fc1.weight", "fc2.bias", "fc3.bias"},
		"alexnet":     {"features.0.weight", "features.3.bias", "features.6.weight", "features.8.weight", "features.10.bias", "classifier.1.weight", "classifier.4.bias", "classifier.6.weight"},
		"alexnet_lrn": {"features.0.weight", "features.4.weight", "features.8.weight", "features.10.weight", "features.12.bias", "classifier.6.weight"},
		"vgg11":       {"features.0.weight", "features.3.weight", "features.18.weight", "classifier.0.weight", "classifier.3.weight", "classifier.6.bias"},
		"vgg13":       {"features.0.weight", "features.2.weight", "features.22.weight", "classifier.6.bias"},
		"vgg16":       {"features.0.weight", "features.2.weight", "features.5.weight", "features.28.weight", "classifier.6.bias"},
		"vgg19":       {"features.34.weight", "classifier.6.bias"},
		"vgg11_bn":    {"features.0.weight", "features.1.running_mean", "features.4.weight", "features.25.weight", "features.26.running_var"},
		"vgg13_bn":    {"features.3.weight", "features.31.weight", "features.32.bias"},
		"vgg16_bn":    {"features.0.weight", "features.1.weight", "features.3.weight", "features.40.weight", "features.41.running_var"},
		"vgg19_bn":    {"features.49.weight", "features.50.running_mean"},
		"googlenet": {"conv1.conv.weight", "conv1.bn.weight", "conv1.bn.running_var", "conv2.conv.weight", "conv3.bn.bias",
			"inception3a.branch1.conv.weight", "inception3a.branch2.0.conv.weight", "inception3a.branch2.1.bn.running_mean",
			"inception4e.branch3.1.conv.weight", "inception5b.branch4.1.conv.weight", "fc.weight", "fc.bias"},
		"resnet18":  {"conv1.weight", "bn1.running_mean", "layer1.0.conv1.weight", "layer1.1.bn2.bias", "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_var", "layer4.1.conv2.weight", "fc.bias"},
		"resnet34":  {"layer3.5.conv2.weight", "layer4.0.downsample.0.weight"},
		"resnet50":  {"layer1.0.downsample.0.weight", "layer1.0.conv3.weight", "layer4.2.bn3.running_var", "fc.weight"},
		"resnet101": {"layer3.22.conv3.weight"},
		"resnet152": {"layer2.7.conv2.weight", "layer3.35.bn3.weight"},
		"resnet20":  {"conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer1.0.bn1.running_mean", "layer3.2.bn2.bias", "fc.weight"},
		"resnet110": {"layer3.17.conv2.weight"},
	}
	notKeys := map[string][]string{
		"lenet":     {"conv1.weight.bias"},
		"googlenet": {"conv1.conv.bias", "aux1.conv.conv.weight", "aux2.fc2.bias"},
		"resnet18":  {"conv1.bias", "layer1.0.downsample.0.weight"},
		"resnet20":  {"conv1.bias", "layer2.0.downsample.0.weight"},
	}
	var cases []zooCase
	for _, s := range Specs() {
		cases = append(cases, zooCase{name: s.Name, keys: keys[s.Name], notKeys: notKeys[s.Name], golden: s.Name})
	}
	return append(cases,
		zooCase{name: "googlenet", cfg: Config{AuxLogits: true}, training: true, params: 13004888, golden: "googlenet_aux",
			keys: []string{"aux1.conv.conv.weight", "aux1.conv.bn.running_var", "aux1.fc1.weight", "aux2.fc2.bias"}},
		zooCase{name: "googlenet", cfg: Config{AuxLogits: true}, params: 6624904, notKeys: []string{"aux1.fc1.weight"}},
		zooCase{name: "resnet18", cfg: Config{Classes: 10}, params: 11181642},
		zooCase{name: "resnet18", cfg: Config{Classes: 10, InChannels: 1}, in: []int{2, 1, 64, 48}, out: []int{2, 10}, params: 11181642 - 2*64*49},
		zooCase{name: "resnet50", in: []int{1, 3, 160, 128}},
		zooCase{name: "alexnet", in: []int{1, 3, 64, 64}},
		zooCase{name: "vgg11", cfg: Config{Classes: 2}, in: []int{1, 3, 32, 32}, out: []int{1, 2}, params: 132863336 - 998*4097},
		zooCase{name: "googlenet", in: []int{1, 3, 32, 32}},
		zooCase{name: "lenet", cfg: Config{Classes: 2}, training: true, out: []int{1, 2}, params: 61706 - 8*85},
		zooCase{name: "resnet20", cfg: Config{ZeroInitResidual: true}, training: true},
	)
}

// TestZoo builds every model of the table with batch 1 in float32 and
// checks its output shape, trainable parameter count and parameter names.
func TestZoo(t *testing.T) {
	for _, c := range zooCases() {
		s, err := Get(c.name)
		if err != nil {
			t.Fatal(err)
		}
		in, out, params := c.in, c.out, c.params
		if in == nil {
			in = []int{1, s.Input[0], s.Input[1], s.Input[2]}
		}
		if out == nil {
			out = []int{in[0], s.Classes}
			if c.cfg.Classes != 0 {
				out[1] = c.cfg.Classes
			}
		}
		if params == 0 {
			params = s.Params
		}
		t.Run(c.name, func(t *testing.T) {
			b, y, ps := build(t, s.New(c.cfg), c.training, in...)
			if err := b.Err(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal([]int(y.Shape()), out) {
				t.Errorf("output shape %v, want %v", y.Shape(), out)
			}
			tr, _ := b.Counts()
			str, _ := ps.Count()
			if tr != params || str != params {
				t.Errorf("%d trainable parameters in the graph, %d in the store, want %s", tr, str, graph.Thousands(params))
			}
			for _, k := range c.keys {
				if _, ok := ps.Get(k); !ok {
					t.Errorf("no parameter %q", k)
				}
			}
			if c.golden != "" {
				checkGolden(t, ps, c.golden)
			}
			for _, k := range c.notKeys {
				if _, ok := ps.Get(k); ok {
					t.Errorf("unexpected parameter %q", k)
				}
			}
		})
		runtime.GC() // VGG stores hold ~550 MB each
	}
}

func TestRegistry(t *testing.T) {
	names := Names()
	if len(names) != 22 || names[0] != "lenet" || names[len(names)-1] != "resnet110" {
		t.Fatalf("names %v", names)
	}
	for _, q := range []string{"LeNet5", "lenet-5", "VGG16_BN", " ResNet50 ", "inception_v1"} {
		if _, err := Get(q); err != nil {
			t.Errorf("Get(%q): %v", q, err)
		}
	}
	_, err := Get("resnet19")
	if err == nil {
		t.Fatal("Get(resnet19) succeeded")
	}
	for _, n := range append(names, "lenet5") {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("error %q does not list %s", err, n)
		}
	}
	seen := map[string]bool{}
	for _, s := range Specs() {
		for _, n := range append([]string{s.Name}, s.Aliases...) {
			if seen[n] {
				t.Errorf("name %q registered twice", n)
			}
			seen[n] = true
		}
		if s.New == nil || s.Params <= 0 || s.Classes <= 0 || s.Family == "" || s.Paper == "" {
			t.Errorf("incomplete spec %+v", s)
		}
	}
}

// TestBuildErrors checks that bad inputs and settings fail the build with
// an error naming the model or the layer.
func TestBuildErrors(t *testing.T) {
	for _, c := range []struct {
		model graph.Model
		in    []int
		want  []string
	}{
		{AlexNet(Config{}), []int{1, 3, 32, 32}, []string{"features.12", "MaxPool2d"}},
		{LeNet5(Config{}), []int{1, 1, 8, 8}, []string{"conv2", "Conv2d"}},
		{VGG(11, false, Config{}), []int{1, 3, 16, 16}, []string{"features.", "MaxPool2d"}},
		{ResNet(18, Config{}), []int{1, 1, 224, 224}, []string{"resnet18", "1 channels", "configured for 3"}},
		{ResNet(19, Config{}), []int{1, 3, 224, 224}, []string{"resnet19", "no such ResNet"}},
		{VGG(12, true, Config{}), []int{1, 3, 224, 224}, []string{"vgg12_bn", "no such VGG"}},
		{ResNetCIFAR(21, Config{}), []int{1, 3, 32, 32}, []string{"resnet21", "6n+2"}},
		{GoogLeNet(Config{Classes: -1}), []int{1, 3, 224, 224}, []string{"googlenet", "-1 classes"}},
		{ResNetCIFAR(20, Config{DropoutP: 1}), []int{1, 3, 32, 32}, []string{"dropout"}},
	} {
		b, y, _ := build(t, c.model, false, c.in...)
		err := b.Err()
		if err == nil || y != nil {
			t.Errorf("%v: no error (output %v)", c.want, y)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not contain %q", err, w)
			}
		}
	}
}

// TestTwoGraphsOneStore builds a training and an evaluation graph of
// GoogLeNet with its auxiliary heads over one store: the evaluation graph
// has no aux outputs and binds only the main network's parameters.
func TestTwoGraphsOneStore(t *testing.T) {
	ps := graph.NewParams()
	m := GoogLeNet(Config{AuxLogits: true, Classes: 5})
	tb := graph.NewBuilder(ps, graph.Config{Training: true})
	m(tb, tb.Input("x", 2, 3, 64, 64))
	eb := graph.NewBuilder(ps, graph.Config{})
	m(eb, eb.Input("x", 1, 3, 96, 96))
	for _, b := range []*graph.Builder{tb, eb} {
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if len(tb.Aux()) != 2 || len(eb.Aux()) != 0 {
		t.Fatalf("aux outputs: training %d, evaluation %d", len(tb.Aux()), len(eb.Aux()))
	}
	ttr, _ := tb.Counts()
	etr, _ := eb.Counts()
	str, _ := ps.Count()
	if str != ttr || ttr-etr != 2*(512*128+128*2+2048*1024+1024+1024*5+5)+16*128 {
		t.Fatalf("trainable: store %d, training graph %d, evaluation graph %d", str, ttr, etr)
	}
}

// checkGolden compares the names and shapes in ps with the state_dict
// (less num_batches_tracked) listed in testdata/torchvision/name.txt, one
// "key d0,d1,..." a line. The files were written by torchvision 0.14.1
// (python3-torchvision) for its models, and by equivalent nn.Modules for
// LeNet-5 and the CIFAR ResNets; a missing file skips the check.
func checkGolden(t *testing.T, ps *graph.Params, name string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "torchvision", name+".txt"))
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, shape, _ := strings.Cut(sc.Text(), " ")
		want[k] = shape
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps.All() {
		dims := strings.Trim(strings.Join(strings.Fields(fmt.Sprint([]int(p.Value.Shape()))), ","), "[]")
		w, ok := want[p.Name]
		switch {
		case !ok:
			t.Errorf("%s: %q is not in torchvision's state_dict", name, p.Name)
		case w != dims:
			t.Errorf("%s: %q has shape %s, torchvision's %s", name, p.Name, dims, w)
		}
		delete(want, p.Name)
	}
	for k := range want {
		t.Errorf("%s: torchvision's %q is missing", name, k)
	}
}
