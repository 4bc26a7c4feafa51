package main

import (
	"path/filepath"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/data/mnist"
	"github.com/convzoo/convzoo/zoo"
	"github.com/pkg/errors"
)

// datasetNames are the values --dataset takes.
var datasetNames = data.Names()

// dataSource is a data set checked and described but not read yet: its
// Info holds the size, channels and classes its images will have, so that
// the model can be built (and a bad size refused) before any image is
// decoded.
type dataSource struct {
	data.Info
	load func(train bool) (*data.Set, error)
}

// openData checks --dataset, --data and --size (see source).
func openData(name, dir string, size int, spec zoo.Spec) (dataSource, error) {
	info, load, err := source(name, dir, size, spec)
	return dataSource{Info: info, load: load}, err
}

// sets reads the training and test sets. An image folder's validation set is
// read first, so a class the training set lacks is reported before the
// training images are decoded.
func (d dataSource) sets() (train, test *data.Set, err error) {
	if test, err = d.load(false); err != nil {
		return nil, nil, err
	}
	if train, err = d.load(true); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// source checks --dataset, --data and --size and returns the data set's Info and a
// function reading its training or test split. dir is --data ("" for the defaults);
// size is --size: the size image folders are resized to (0: the model's input size),
// which must be the images' own size for the other data sets. For an image folder,
// the Info's Size and Classes are filled in (--size or the model's, and the number
// of DIR/train's class directories).
func source(name, dir string, size int, spec zoo.Spec) (data.Info, func(train bool) (*data.Set, error), error) {
	info, err := data.Lookup(name)
	if err != nil {
		return info, nil, err
	}
	if info.Size != 0 && size != 0 && size != info.Size {
		return info, nil, errors.Errorf("--size %d: %s images are %dx%d (only image folders are resized)", size, info.Name, info.Size, info.Size)
	}
	switch info.Name {
	case data.MNISTInfo.Name:
		if dir == "" {
			return info, func(train bool) (*data.Set, error) {
				if train {
					return mnist.Train()
				}
				return mnist.Test()
			}, nil
		}
		return info, func(train bool) (*data.Set, error) { return data.MNIST(dir, train) }, nil
	case data.FashionMNISTInfo.Name:
		return info, func(train bool) (*data.Set, error) { return data.FashionMNIST(dir, train) }, nil
	case data.CIFAR10Info.Name, data.CIFAR100Info.Name:
		if dir == "" {
			return info, nil, errors.Errorf("--dataset %s needs --data DIR (the folder of the binary version's .bin files)", info.Name)
		}
		load := data.CIFAR10
		if info.Name == data.CIFAR100Info.Name {
			load = data.CIFAR100
		}
		return info, func(train bool) (*data.Set, error) { return load(dir, train) }, nil
	case data.FolderInfo.Name:
		if dir == "" {
			return info, nil, errors.New("--dataset folder needs --data DIR with DIR/train/<class>/*.png|jpg and DIR/val/<class>/...")
		}
		if size == 0 {
			size = spec.Input[1]
		}
		// The labels are the training classes' indices, for the validation set too.
		classes, err := data.FolderClasses(filepath.Join(dir, "train"))
		if err != nil {
			return info, nil, errors.WithMessage(err, "--dataset folder: the classes are DIR/train's sub-folders")
		}
		info.Size, info.Classes = size, classes
		return info, func(train bool) (*data.Set, error) {
			sub := "val"
			if train {
				sub = "train"
			}
			return data.ImageFolderClasses(filepath.Join(dir, sub), size, classes)
		}, nil
	}
	return info, nil, errors.Errorf("dataset %q has no reader here", info.Name)
}

// fitData shapes the model to the data set: its input channels and its
// classes, unless --classes gave them; fewer classes than the data set
// has are refused.
func fitData(cfg *zoo.Config, src dataSource) error {
	if cfg.InChannels == 0 {
		cfg.InChannels = src.Channels
	}
	k := len(src.Classes)
	if cfg.Classes == 0 {
		cfg.Classes = k
	}
	if cfg.Classes < k {
		return errors.Errorf("--classes %d: %s has %d classes", cfg.Classes, src.Name, k)
	}
	return nil
}
