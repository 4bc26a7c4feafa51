package data

// Per-channel mean and standard deviation of each data set's training
// pixels scaled to [0,1]: the Mean and Std of LoaderConfig, and what new
// images are normalised with before a model trained on the set sees them.
// The slices are shared: copy them before changing them.
var (
	// MNISTMean and MNISTStd: the usual 0.1307, 0.3081.
	MNISTMean, MNISTStd = []float32{0.1307}, []float32{0.3081}
	// FashionMNISTMean and FashionMNISTStd: 0.2860, 0.3530.
	FashionMNISTMean, FashionMNISTStd = []float32{0.2860}, []float32{0.3530}
	// CIFAR10Mean and CIFAR10Std, also used for CIFAR-100 here.
	CIFAR10Mean, CIFAR10Std = []float32{0.4914, 0.4822, 0.4465}, []float32{0.2470, 0.2435, 0.2616}
	// ImageNetMean and ImageNetStd: torchvision's, for every ImageNet model.
	ImageNetMean, ImageNetStd = []float32{0.485, 0.456, 0.406}, []float32{0.229, 0.224, 0.225}
)
