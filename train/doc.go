// Package train fits a graph.Model to a data.Dataset.
//
// A Trainer builds two Gorgonia graphs from the same Model over the same
// graph.Params store: a training graph (batch BatchSize, dropout on, batch
// norm on batch statistics) and an evaluation graph (batch EvalBatch,
// dropout off, running statistics). Both bind their nodes to the store's
// tensors, so an optimizer step made through the training graph is seen by
// the evaluation graph with no copy. Each graph gets one TapeMachine,
// created once; a step is: copy the batch into tensors the Trainer owns,
// Let them, RunAll, update the parameters from the gradient nodes' values,
// Reset.
//
// The optimizers (SGD with momentum and Nesterov, Adam, AdamW) are this
// package's own and follow torch.optim exactly. An Optimizer walks the
// parameters; the update rule of each is a small generic function over the
// element type, so float32 and float64 share one implementation.
//
// Everything that happens around the loop is a Hook attached to named
// events (start, step, end of epoch, end): progress output, CSV history,
// checkpoints and early stopping. All randomness (initial weights, shuffling,
// dropout masks, augmentation) derives from Config.Seed, so two runs with
// the same Seed give the same losses bit for bit.
package train
