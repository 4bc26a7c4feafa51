package data

import (
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

// FashionMNISTDebianDir is where Debian's dataset-fashion-mnist package installs the
// four gzipped IDX files of Fashion-MNIST (apt-get install dataset-fashion-mnist).
const FashionMNISTDebianDir = "/usr/share/datasets/fashion-mnist"

// FashionMNISTClasses names the ten Fashion-MNIST classes (index = label).
var FashionMNISTClasses = []string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// FashionMNIST reads the Fashion-MNIST training (60000) or test (10000) set from dir,
// which holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
// and t10k-labels-idx1-ubyte, each raw or with a .gz suffix. An empty dir means
// FashionMNISTDebianDir.
func FashionMNIST(dir string, train bool) (*Set, error) {
	if dir == "" {
		dir = FashionMNISTDebianDir
	}
	return idxDir(dir, train, "fashion-mnist", FashionMNISTClasses)
}

// MNIST reads the MNIST training (60000) or test (10000) set from dir, which holds the
// four files of the original distribution, raw or gzipped, named as for FashionMNIST.
// (Package data/mnist embeds a copy.)
func MNIST(dir string, train bool) (*Set, error) {
	if dir == "" {
		return nil, errors.New("data: MNIST: no folder given (package data/mnist embeds the data set)")
	}
	return idxDir(dir, train, "mnist", MNISTClasses)
}

// idxDir reads the training or test split of an MNIST-layout data set from dir.
func idxDir(dir string, train bool, name string, classes []string) (*Set, error) {
	prefix, split := "t10k", "-test"
	if train {
		prefix, split = "train", "-train"
	}
	images, err := findFile(dir, prefix+"-images-idx3-ubyte", prefix+"-images-idx3-ubyte.gz")
	if err != nil {
		return nil, err
	}
	labels, err := findFile(dir, prefix+"-labels-idx1-ubyte", prefix+"-labels-idx1-ubyte.gz")
	if err != nil {
		return nil, err
	}
	s, err := LoadIDX(images, labels, len(classes), name+split)
	if err != nil {
		return nil, err
	}
	s.ClassNames = classes
	return s, nil
}

// findFile returns the first of dir/names that exists, or an error listing the paths
// looked for.
func findFile(dir string, names ...string) (string, error) {
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = filepath.Join(dir, n)
		if _, err := os.Stat(paths[i]); err == nil {
			return paths[i], nil
		}
	}
	return "", errors.Errorf("data: none of %q exists", paths)
}
