// Package data reads labelled image data sets and turns them into training batches.
//
// A Dataset is an indexable set of labelled images of one shape (C, H, W). Item writes
// example i as float32 in CHW order, scaled to [0,1]. The in-memory implementation is
// Set, which keeps the pixels as uint8 (a quarter of the memory of float32) and is what
// every reader in this package returns:
//
//   - ReadIDX, LoadIDX, MNIST, FashionMNIST: the IDX format of MNIST and Fashion-MNIST,
//     raw or gzipped (FashionMNIST looks in FashionMNISTDebianDir, where Debian's
//     dataset-fashion-mnist package installs the files). The embedded MNIST files live
//     in the sub-package data/mnist, so only programs that import it pay for them.
//   - CIFAR10, CIFAR100: the binary versions of the CIFAR data sets.
//   - ImageFolder: root/<class>/*.png|*.jpg, resized to a square with bilinear filtering;
//     ImageFolderClasses labels a validation folder by the training folder's class names.
//
// Info (MNISTInfo, CIFAR10Info, ..., Lookup) holds what a named data set knows about
// itself: its name and the per-channel mean and standard deviation to normalise with.
//
// Every reader checks a file's header and size before allocating for its body, so a
// truncated or hostile file is an error naming the file, never a panic or a huge
// allocation. Errors start with "data: ".
//
// Check refuses a nil Dataset and an inconsistent Set; NewLoader calls it. A Loader
// also refuses, through Err, an example whose label is outside [0, NumClasses).
//
// A Loader cuts a Dataset into batches (NCHW float32): it shuffles each epoch, applies
// random Transforms (RandomCrop, HorizontalFlip) per example, normalises per channel
// and either drops or zero-pads the last partial batch. All randomness comes from the
// *rand.Rand in LoaderConfig, so a run can be repeated bit for bit; with Workers > 0
// batches are prepared ahead of time by goroutines and are identical to the batches
// Workers == 0 gives for the same seed.
package data
