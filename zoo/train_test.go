package zoo

import (
	"math/rand"
	"testing"
	"time"

	"github.com/convzoo/convzoo/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// smoke trains model for steps plain-SGD steps on one fixed synthetic
// batch of in = (N,C,H,W) images in two classes (a bright or a dark
// pattern plus noise) and returns the loss before each step. The loss is
// the cross-entropy plus weight·CE of every auxiliary output, as the
// trainer computes it.
func smoke(t *testing.T, model graph.Model, in []int, steps int, lr float32) []float32 {
	t.Helper()
	ps := graph.NewParams()
	b := graph.NewBuilder(ps, graph.Config{Training: true, Rand: rand.New(rand.NewSource(1))})
	x := b.Input("x", in...)
	labels := b.Input("labels", in[0])
	loss := b.CrossEntropy(model(b, x), labels)
	for _, a := range b.Aux() {
		ce := b.CrossEntropy(a.Logits, labels)
		if ce == nil {
			break
		}
		loss = G.Must(G.Add(loss, G.Must(G.Mul(ce, G.NewConstant(float32(a.Weight))))))
	}
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(loss, b.Learnables()...)
	if err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewSource(2))
	xs := make([]float32, tensor.Shape(in).TotalSize())
	ys := make([]float32, in[0])
	per := len(xs) / in[0]
	for i := range ys {
		ys[i] = float32(i % 2)
		sign := float32(1 - 2*(i%2))
		for j := range per {
			pattern := float32(1)
			if (j/7)%2 == 0 {
				pattern = -1
			}
			xs[i*per+j] = sign*pattern + 0.5*float32(rng.NormFloat64())
		}
	}
	if err := G.Let(x, tensor.New(tensor.WithShape(in...), tensor.WithBacking(xs))); err != nil {
		t.Fatal(err)
	}
	if err := G.Let(labels, tensor.New(tensor.WithShape(in[0]), tensor.WithBacking(ys))); err != nil {
		t.Fatal(err)
	}

	vm := G.NewTapeMachine(b.Graph())
	defer vm.Close()
	params := b.LearnableParams()
	var losses []float32
	start := time.Now()
	for range steps {
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		losses = append(losses, scalar(t, loss.Value()))
		for i, p := range params {
			w := p.Value.Data().([]float32)
			g := grads[i].Value().Data().([]float32)
			for j := range w {
				w[j] -= lr * g[j]
			}
		}
		vm.Reset()
	}
	t.Logf("%v: losses %v, %v/step", in, losses, time.Since(start)/time.Duration(steps))
	return losses
}

func scalar(t *testing.T, v G.Value) float32 {
	t.Helper()
	switch d := v.Data().(type) {
	case float32:
		return d
	case []float32:
		return d[0]
	}
	t.Fatalf("loss value %T", v.Data())
	return 0
}

// TestSmokeTrain trains each family at reduced size for a few steps and
// requires the loss to fall.
func TestSmokeTrain(t *testing.T) {
	two := Config{Classes: 2}
	for _, c := range []struct {
		name  string
		model graph.Model
		in    []int
		lr    float32
		long  bool // skipped under -short
	}{
		{"lenet", LeNet5(two), []int{4, 1, 28, 28}, 0.05, false},
		{"alexnet/16", alexNet(Config{Classes: 2, DropoutP: -1}, false, 16), []int{4, 3, 64, 64}, 0.5, false},
		{"alexnet_lrn/16", alexNet(Config{Classes: 2, DropoutP: -1}, true, 16), []int{4, 3, 64, 64}, 0.5, false},
		{"vgg11_bn/8", vgg([]int{8, mp, 16, mp, 32, 32, mp, 64, 64, mp, 64, 64, mp}, "vgg11", true, 64, two), []int{4, 3, 32, 32}, 0.1, false},
		{"vgg11/8", vgg([]int{8, mp, 16, mp, 32, 32, mp, 64, 64, mp, 64, 64, mp}, "vgg11", false, 64, two), []int{4, 3, 32, 32}, 0.1, false},
		{"googlenet+aux", GoogLeNet(Config{Classes: 2, AuxLogits: true}), []int{4, 3, 64, 64}, 0.02, true},
		{"resnet18", ResNet(18, two), []int{4, 3, 32, 32}, 0.02, false},
		{"resnet50", ResNet(50, Config{Classes: 2, ZeroInitResidual: true}), []int{2, 3, 32, 32}, 0.02, true},
		{"resnet20", ResNetCIFAR(20, two), []int{4, 3, 32, 32}, 0.05, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.long && testing.Short() {
				t.Skip("long; skipped under -short")
			}
			losses := smoke(t, c.model, c.in, 5, c.lr)
			if last := losses[len(losses)-1]; !(last < losses[0]) {
				t.Errorf("loss did not fall: %v", losses)
			}
		})
	}
}
