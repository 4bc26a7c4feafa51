// Package train fits a graph.Model to a data.Dataset.
//
// A Trainer builds two Gorgonia graphs from the same Model over the same
// graph.Params store: a training graph (batch BatchSize, dropout on, batch
// norm on batch statistics) and an evaluation graph (batch EvalBatch,
// dropout off, running statistics). Both bind their nodes to the store's
// tensors, so an optimizer step made through the training graph is seen by
// the evaluation graph with no copy. Each graph gets one TapeMachine,
// created once. The training graph is a Step (CompileStep), the one
// compiled training step that the Trainer, `zoo bench` and the zoo smoke
// tests use: copy the batch into tensors the Step owns, Let them, RunAll,
// pass the gradients to StepConfig.ReduceGrads, update the parameters at
// the Schedule's rate, Reset. The training machine is compiled with a
// buffer plan (op.PlanBuffers): the ops' outputs share one slab where
// their lifetimes in the program do not overlap, so a step holds the
// activations the backward pass reads and a few gradients at a time, not
// one buffer per node; Run also bounds the garbage between collections
// (a collection forced every 32 MB allocated), unless the process set
// GOGC or a memory limit itself.
//
// A Schedule is a pure function of a ScheduleContext (epoch, step, steps
// per epoch, base rate, the monitored loss of every epoch): Constant,
// StepLR, MultiStepLR, Cosine, Plateau (ReduceLROnPlateau) and Warmup
// (torchvision's LinearLR + SequentialLR) follow torch.optim.lr_scheduler.
//
// SaveState and ResumeFrom continue a run exactly: the state file holds
// the Params, the optimizer's state (StatefulOptimizer), the moving average
// (Config.EMADecay) and the position with the history; shuffling,
// augmentation and dropout are reseeded from Seed and the position, so no
// random state needs saving. Hooks keep their own state (EarlyStopping
// starts counting afresh after a resume).
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
