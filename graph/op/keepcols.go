package op

import "gorgonia.org/tensor"

// keepColsBytes bounds the im2col columns a differentiated convolution
// keeps from its forward pass for the weight gradient: within the bound
// (LeNet, CIFAR nets) the backward pass reuses them, above it (ImageNet
// nets, where the columns of one layer reach hundreds of MB) it rebuilds
// them sample by sample in a per-worker buffer.
var keepColsBytes = 32 << 20

// keepColsMinOut: a convolution with at least this many output channels
// rebuilds its im2col columns in the backward pass even when they fit
// keepColsBytes. Rebuilding costs about as much per column as keeping
// them costs memory, but relative to the weight gradient's GEMM (outC
// multiply-adds per column element) it is about 1/outC: small from 128
// channels on (ResNet-18's layers 2 to 4: ~170 MB at batch 8, for ~7% more
// CPU time a step, measured), where CIFAR ResNets' 16 to 64 channels keep
// theirs.
var keepColsMinOut = 128

// keepCols reports whether a differentiated convolution of batch n and
// geometry g, of elements of type dt, keeps its forward columns for the
// weight gradient (see keepColsBytes). A float32 convolution that the
// direct kernel computes (directFits: LeNet-5's) keeps none either: its
// forward then runs without columns, and its backward rebuilds them
// (LeNet-5's training step at batch 64: 8.15 -> 7.05 ms, 3 alternated runs
// of `zoo bench lenet --steps 200 --train-only`).
func keepCols(n int, g convGeom, dt tensor.Dtype) bool {
	return !g.identity && g.outC < keepColsMinOut && n*g.ckk*g.ohw*int(dt.Size()) <= keepColsBytes &&
		!(dt == tensor.Float32 && directFits(&g))
}
