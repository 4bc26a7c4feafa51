package zoo

import (
	"math/rand"
	"testing"
	"time"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/train"
	"gorgonia.org/tensor"
)

// smoke trains model for steps plain-SGD steps of train.Step on one fixed
// synthetic batch of in = (N,C,H,W) images in two classes (a bright or a
// dark pattern plus noise) and returns the loss before each step (the
// cross-entropy plus weight·CE of every auxiliary output).
func smoke(t *testing.T, model graph.Model, in []int, steps int, lr float32) []float64 {
	t.Helper()
	step, err := train.CompileStep(model, graph.NewParams(), train.StepConfig{Batch: in[0], Input: in[1:],
		LR: float64(lr), Optimizer: &train.SGD{}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer step.Close()

	rng := rand.New(rand.NewSource(2))
	b := &data.Batch{X: make([]float32, tensor.Shape(in).TotalSize()), Labels: make([]int, in[0]), N: in[0]}
	per := len(b.X) / in[0]
	for i := range b.Labels {
		b.Labels[i] = i % 2
		sign := float32(1 - 2*(i%2))
		for j := range per {
			pattern := float32(1)
			if (j/7)%2 == 0 {
				pattern = -1
			}
			b.X[i*per+j] = sign*pattern + 0.5*float32(rng.NormFloat64())
		}
	}
	var losses []float64
	start := time.Now()
	for range steps {
		r, err := step.Run(b)
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, r.Loss)
	}
	t.Logf("%v: losses %v, %v/step", in, losses, time.Since(start)/time.Duration(steps))
	return losses
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
		{"vgg11_bn/8", vgg([]int{8, M, 16, M, 32, 32, M, 64, 64, M, 64, 64, M}, "vgg11", true, 64, two), []int{4, 3, 32, 32}, 0.1, false},
		// Without batch norm, dropout's noise hides five steps of progress.
		{"vgg11/8", vgg([]int{8, M, 16, M, 32, 32, M, 64, 64, M, 64, 64, M}, "vgg11", false, 64, Config{Classes: 2, DropoutP: -1}), []int{4, 3, 32, 32}, 0.1, false},
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
