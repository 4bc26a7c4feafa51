package zoo_test

import (
	"fmt"
	"strings"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/zoo"
)

// summarize builds model in evaluation mode over a fresh store with a
// batch-1 input of shape c,h,w and prints the last n lines of its summary.
func summarize(model graph.Model, n int, c, h, w int) {
	b := graph.NewBuilder(graph.NewParams(), graph.Config{})
	model(b, b.Input("x", 1, c, h, w))
	if err := b.Err(); err != nil {
		fmt.Println(err)
		return
	}
	lines := strings.Split(strings.TrimSpace(b.SummaryString()), "\n")
	fmt.Println(strings.Join(lines[max(len(lines)-n, 0):], "\n"))
}

// LeNet-5 on MNIST digits, layer by layer.
func ExampleLeNet5() {
	b := graph.NewBuilder(graph.NewParams(), graph.Config{})
	zoo.LeNet5(zoo.Config{})(b, b.Input("x", 1, 1, 28, 28))
	if err := b.Err(); err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range b.Layers() {
		fmt.Printf("%-8s %-10s %-16s %s\n", l.Name, l.Type, fmt.Sprint(l.Output), graph.Thousands(l.Params))
	}
	trainable, total := b.Counts()
	fmt.Println("trainable:", graph.Thousands(trainable), "total:", graph.Thousands(total))
	// Output:
	// conv1    Conv2d     (1, 6, 28, 28)   156
	// relu1    ReLU       (1, 6, 28, 28)   0
	// pool1    MaxPool2d  (1, 6, 14, 14)   0
	// conv2    Conv2d     (1, 16, 10, 10)  2,416
	// relu2    ReLU       (1, 16, 10, 10)  0
	// pool2    MaxPool2d  (1, 16, 5, 5)    0
	// flatten  Flatten    (1, 400)         0
	// fc1      Linear     (1, 120)         48,120
	// relu3    ReLU       (1, 120)         0
	// fc2      Linear     (1, 84)          10,164
	// relu4    ReLU       (1, 84)          0
	// fc3      Linear     (1, 10)          850
	// trainable: 61,706 total: 61,706
}

func ExampleAlexNet() {
	summarize(zoo.AlexNet(zoo.Config{}), 3, 3, 224, 224)
	// Output:
	// Total params: 61,100,840
	// Trainable params: 61,100,840
	// Non-trainable params: 0
}

// VGG-16 with batch norm. The adaptive pooling before the classifier lets
// it take images smaller than 224x224 with the same weights.
func ExampleVGG() {
	summarize(zoo.VGG(16, true, zoo.Config{}), 3, 3, 64, 64)
	// Output:
	// Total params: 138,374,440
	// Trainable params: 138,365,992
	// Non-trainable params: 8,448
}

func ExampleGoogLeNet() {
	summarize(zoo.GoogLeNet(zoo.Config{}), 3, 3, 224, 224)
	// Output:
	// Total params: 6,639,464
	// Trainable params: 6,624,904
	// Non-trainable params: 14,560
}

// ResNet-50 for a 10-class problem.
func ExampleResNet() {
	summarize(zoo.ResNet(50, zoo.Config{Classes: 10}), 6, 3, 224, 224)
	// Output:
	// flatten (Flatten)                    (1, 2048)          0
	// fc (Linear)                          (1, 10)            20,490
	// ────────────────────────────────────────────────────────────────────────
	// Total params: 23,581,642
	// Trainable params: 23,528,522
	// Non-trainable params: 53,120
}

// He et al.'s CIFAR-10 ResNet-20 with option-A (parameter-free) shortcuts.
func ExampleResNetCIFAR() {
	summarize(zoo.ResNetCIFAR(20, zoo.Config{}), 3, 3, 32, 32)
	// Output:
	// Total params: 271,098
	// Trainable params: 269,722
	// Non-trainable params: 1,376
}

// A model by name, as the command line builds it.
func ExampleGet() {
	s, err := zoo.Get("ResNet18")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Name, s.Family, s.Input, s.Classes, graph.Thousands(s.Params))
	_, err = zoo.Get("resnet19")
	fmt.Println(err)
	// Output:
	// resnet18 ResNet [3 224 224] 1000 11,689,512
	// zoo: unknown model "resnet19" (known: alexnet, alexnet_lrn, googlenet, inception_v1, inceptionv1, lenet, lenet-5, lenet5, resnet101, resnet110, resnet152, resnet18, resnet20, resnet32, resnet34, resnet44, resnet50, resnet56, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn)
}
