package main

import (
	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/data/mnist"
	"github.com/pkg/errors"
)

// datasetNames are the values --dataset takes.
const datasetNames = "mnist, fashion-mnist, cifar10, cifar100, folder"

// loadDataset returns the training and test sets of a named dataset, with
// its normalisation. dir is --data ("" for the defaults).
func loadDataset(name, dir string) (train, test *data.Set, mean, std []float32, err error) {
	switch name {
	case "mnist":
		if dir != "" {
			train, test, err = idxPair(dir)
		} else {
			if train, err = mnist.Train(); err == nil {
				test, err = mnist.Test()
			}
		}
		return train, test, mnist.Mean, mnist.Std, err
	case "fashion-mnist", "fashion":
		if dir == "" {
			dir = data.FashionMNISTDebianDir
		}
		if train, err = data.FashionMNIST(dir, true); err == nil {
			test, err = data.FashionMNIST(dir, false)
		}
		return train, test, data.FashionMNISTMean, data.FashionMNISTStd, err
	case "cifar10", "cifar100":
		if dir == "" {
			return nil, nil, nil, nil, errors.Errorf("--dataset %s needs --data DIR (the folder of the binary version's .bin files)", name)
		}
		load := data.CIFAR10
		if name == "cifar100" {
			load = data.CIFAR100
		}
		if train, err = load(dir, true); err == nil {
			test, err = load(dir, false)
		}
		return train, test, data.CIFAR10Mean, data.CIFAR10Std, err
	case "folder":
		if dir == "" {
			return nil, nil, nil, nil, errors.New("--dataset folder needs --data DIR with DIR/train/<class>/*.png|jpg and DIR/val/<class>/...")
		}
		if train, err = data.ImageFolder(dir+"/train", 224); err == nil {
			test, err = data.ImageFolder(dir+"/val", 224)
		}
		return train, test, data.ImageNetMean, data.ImageNetStd, err
	}
	return nil, nil, nil, nil, errors.Errorf("unknown dataset %q (known: %s)", name, datasetNames)
}

// idxPair reads MNIST-format IDX files from dir.
func idxPair(dir string) (train, test *data.Set, err error) {
	if train, err = data.LoadIDX(dir+"/train-images-idx3-ubyte.gz", dir+"/train-labels-idx1-ubyte.gz", 10, "mnist-train"); err != nil {
		return nil, nil, err
	}
	test, err = data.LoadIDX(dir+"/t10k-images-idx3-ubyte.gz", dir+"/t10k-labels-idx1-ubyte.gz", 10, "mnist-test")
	return train, test, err
}
