package infer

import (
	"sort"
	"strings"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/zoo"
	"github.com/pkg/errors"
)

// A Dataset is what a model trained on a data set expects of a new
// picture: its transform and its class names.
type Dataset struct {
	Name      string
	Transform Transform
	Classes   []string
}

// Datasets are the data sets Predictor knows by name. The ImageNet entry
// is torchvision's evaluation transform (Resize(256), CenterCrop(224));
// the small sets resize the whole picture to their size, as their
// pictures were made.
func Datasets() []Dataset {
	grey := func(size int, mean, std []float32) Transform {
		return Transform{Height: size, Width: size, Grey: true, Mean: mean, Std: std}
	}
	colour := func(size int, in data.Info) Transform {
		return Transform{Height: size, Width: size, Mean: in.Mean, Std: in.Std}
	}
	mn, fm, c10, c100, in := data.MNISTInfo, data.FashionMNISTInfo, data.CIFAR10Info, data.CIFAR100Info, data.ImageNetInfo
	return []Dataset{
		{mn.Name, grey(28, mn.Mean, mn.Std), mn.Classes},
		{fm.Name, grey(28, fm.Mean, fm.Std), fm.Classes},
		{c10.Name, colour(32, c10), c10.Classes},
		{c100.Name, colour(32, c100), c100.Classes},
		{in.Name, Transform{Resize: 256, Height: 224, Width: 224, Mean: in.Mean, Std: in.Std}, in.Classes},
	}
}

// DatasetNamed finds a data set by name ("mnist", "fashion-mnist",
// "cifar10", "cifar100", "imagenet"); an unknown name is an error listing
// the known ones.
func DatasetNamed(name string) (Dataset, error) {
	var known []string
	for _, d := range Datasets() {
		if d.Name == strings.ToLower(name) {
			return d, nil
		}
		known = append(known, d.Name)
	}
	sort.Strings(known)
	return Dataset{}, errors.Errorf("infer: unknown data set %q (known: %s)", name, strings.Join(known, ", "))
}

// DatasetFor is the data set a registered model is trained on by default:
// MNIST for LeNet-5, CIFAR-10 (CIFAR-100 with 100 classes) for the CIFAR
// ResNets, ImageNet for the others.
func DatasetFor(spec zoo.Spec, classes int) Dataset {
	name := "imagenet"
	switch {
	case spec.Family == "LeNet":
		name = "mnist"
	case spec.Input[1] == 32 && classes == 100:
		name = "cifar100"
	case spec.Input[1] == 32:
		name = "cifar10"
	}
	d, _ := DatasetNamed(name) // every name above is known
	return d
}
