// Package op holds the Gorgonia operations that convzoo uses where
// Gorgonia v0.9.18's own are wrong or slow: Conv2d, Linear, MaxPool2d,
// AvgPool2d, AdaptiveAvgPool2d, LRN, BatchNorm (running statistics kept
// outside the op, in graph.Params), Dropout (explicit *rand.Rand), ReLU
// and SoftmaxCrossEntropy over integer labels.
//
// Each function takes and returns *gorgonia.Node, float32 or float64,
// and fails with an error naming the shapes it was given. Every op has a
// symbolic backward (its gradients are ops too, so gorgonia.Grad and the
// TapeMachine work unchanged), a finite-difference gradient test and a
// forward test against PyTorch values in testdata/.
//
// The kernels work on NCHW tensors in place of Gorgonia's NHWC
// transposes, keep their output and scratch buffers from one run to the
// next, and split a batch over GOMAXPROCS workers of one shared pool.
// Convolutions are im2col followed by a matrix product; float32 3×3
// stride-1 ones with enough channels take Winograd's F(2×2,3×3)
// (winograd.go: 16 smaller products) or, with 128 to 256 channels,
// F(4×4,3×3) (winograd4.go: 36), their data gradients F(2×2,3×3) too
// (winograd_xgrad.go), and the other larger float32 ones
// an implicit GEMM that builds the columns straight into the product's
// packed panels (im2col_panels.go). The products and
// the pool are package internal/gemm: a packed, register-blocked float32
// GEMM with assembly micro-kernels where the CPU has them (3-5x gonum's
// Sgemm, see its BenchmarkSgemm); gonum's BLAS for the rest, or OpenBLAS
// with the build tag openblas (CGO_LDFLAGS=-lopenblas).
package op
