// Package dist is synchronous data parallelism for convzoo: a small
// communicator interface (Comm), an in-process communicator for tests
// (NewLocal), and the collectives a data-parallel trainer needs on top of
// it — gradients averaged in a few large buckets (GradReducer) and
// tensors broadcast from one rank (BcastTensors).
//
// The real communicator is MPI: package dist/mpi is a thin cgo binding to
// Open MPI behind the build tag "mpi", so the default build of convzoo
// stays pure Go and needs no MPI. Without the tag, mpi.Init returns an
// error saying the binary was built without -tags mpi.
//
// The semantics are those of PyTorch's DistributedDataParallel: every
// rank starts from rank 0's weights, works on its own shard of each
// batch, and averages its gradients with the others' before an identical
// optimizer step, so the ranks' weights stay equal without ever being
// exchanged again.
package dist
