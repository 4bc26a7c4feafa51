package data

import (
	"strings"

	"github.com/pkg/errors"
)

// Info is what convzoo knows about a named data set beyond its pixels: the name the
// zoo command's --dataset takes, how to normalise the pixels and the classes' names.
type Info struct {
	Name    string
	Aliases []string // other accepted names
	// Mean and Std are the per-channel mean and standard deviation of the training
	// pixels scaled to [0,1]: the LoaderConfig (and train.Config) Mean and Std.
	Mean, Std []float32
	// Size is the images' height and width; 0 means any (image folders are resized).
	Size int
	// Channels is the images' channels (1 grey, 3 RGB).
	Channels int
	// Classes names the classes in label order; nil where the data decide
	// (an image folder's sub-folders).
	Classes []string
}

// The data sets the readers of this package know. Folder has ImageNet's statistics
// (torchvision's), the usual choice for photographs and the ones ImageNet weights
// were trained with. The slices are shared: copy them before changing them.
var (
	MNISTInfo        = Info{Name: "mnist", Mean: []float32{0.1307}, Std: []float32{0.3081}, Size: 28, Channels: 1, Classes: MNISTClasses}
	FashionMNISTInfo = Info{Name: "fashion-mnist", Aliases: []string{"fashion"}, Mean: []float32{0.2860}, Std: []float32{0.3530}, Size: 28, Channels: 1, Classes: FashionMNISTClasses}
	CIFAR10Info      = Info{Name: "cifar10", Mean: []float32{0.4914, 0.4822, 0.4465}, Std: []float32{0.2470, 0.2435, 0.2616}, Size: 32, Channels: 3, Classes: CIFAR10Classes}
	CIFAR100Info     = Info{Name: "cifar100", Mean: []float32{0.5071, 0.4865, 0.4409}, Std: []float32{0.2673, 0.2564, 0.2762}, Size: 32, Channels: 3, Classes: CIFAR100Classes}
	FolderInfo       = Info{Name: "folder", Mean: ImageNetInfo.Mean, Std: ImageNetInfo.Std, Channels: 3}
	// ImageNetInfo describes ImageNet-1k (ILSVRC 2012), which torchvision's
	// weights were trained on; no reader of this package reads it, so
	// Lookup does not list it.
	ImageNetInfo = Info{Name: "imagenet", Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}, Size: 224, Channels: 3, Classes: ImageNetClasses}
)

// Infos lists the known data sets.
func Infos() []Info {
	return []Info{MNISTInfo, FashionMNISTInfo, CIFAR10Info, CIFAR100Info, FolderInfo}
}

// Names is the comma-separated list of the known data sets' names.
func Names() string {
	var names []string
	for _, in := range Infos() {
		names = append(names, in.Name)
	}
	return strings.Join(names, ", ")
}

// Lookup returns the Info of a data set by name or alias (in any case).
func Lookup(name string) (Info, error) {
	for _, in := range Infos() {
		if strings.EqualFold(name, in.Name) {
			return in, nil
		}
		for _, a := range in.Aliases {
			if strings.EqualFold(name, a) {
				return in, nil
			}
		}
	}
	return Info{}, errors.Errorf("data: unknown dataset %q (known: %s)", name, Names())
}
