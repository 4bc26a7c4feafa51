package data

import (
	_ "embed" // the ImageNet class names
	"strings"
)

// Class names of the data sets convzoo knows, index = label. Each slice is
// shared: copy it before changing it.

// MNISTClasses names the ten MNIST digits.
var MNISTClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// CIFAR100Classes names the 100 fine classes of CIFAR-100, in the order of
// the data set's meta file (fine_label_names, alphabetical).
var CIFAR100Classes = []string{
	"apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle",
	"bottle", "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle",
	"caterpillar", "cattle", "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch",
	"crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant", "flatfish", "forest", "fox",
	"girl", "hamster", "house", "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard", "lion",
	"lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain", "mouse", "mushroom",
	"oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
	"plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road",
	"rocket", "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake",
	"spider", "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone",
	"television", "tiger", "tractor", "train", "trout", "tulip", "turtle", "wardrobe", "whale",
	"willow_tree", "wolf", "woman", "worm",
}

// imageNetText is imagenet_classes.txt: the 1,000 ImageNet-1k class names,
// one a line, derived once from Debian's python3-torchvision 0.14.1
// (torchvision/models/_meta.py, _IMAGENET_CATEGORIES, the names
// torchvision's weights.meta["categories"] gives) with
//
//	/usr/bin/python3 -c 'from torchvision.models._meta import _IMAGENET_CATEGORIES as c; print("\n".join(c))'
//
//go:embed imagenet_classes.txt
var imageNetText string

// ImageNetClasses names the 1,000 ImageNet-1k classes (ILSVRC 2012), as
// torchvision's pretrained classifiers number them.
var ImageNetClasses = strings.Split(strings.TrimSuffix(imageNetText, "\n"), "\n")
