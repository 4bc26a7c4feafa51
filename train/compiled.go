package train

import (
	"math"
	"math/rand"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// StepConfig configures a compiled training step. Every zero field has the
// documented default.
type StepConfig struct {
	Batch     int          // rows of every batch; 0 => 64
	Input     []int        // the model's input (C, H, W); required
	Dtype     tensor.Dtype // zero => Float32; or Float64
	LR        float64      // the base rate (ScheduleContext.BaseLR); 0 => 1e-3
	Optimizer Optimizer    // nil => &Adam{}
	Schedule  Schedule     // nil => Constant(LR)
	// Seed draws the initial weights of parameters not yet in the store
	// and the dropout masks. The masks of a step depend only on Seed and
	// the step's position (Step.Context's epoch and step), so a run resumed
	// at a step draws the masks of the uninterrupted run.
	Seed int64
	// ReduceGrads, when set, runs between the gradients and the optimizer
	// update of every step, with the trainable parameters and their
	// gradients (index-aligned); it may change the gradients in place (a
	// data-parallel all-reduce, clipping). An error ends the step with no
	// update.
	ReduceGrads func(params []*graph.Param, grads []*tensor.Dense) error
	// LabelSmoothing in [0,1) smooths the loss's targets as
	// torch.nn.CrossEntropyLoss(label_smoothing); 0 means none.
	LabelSmoothing float64

	// noPlan gives every op its own output buffer (no op.PlanBuffers):
	// the tests compare the two.
	noPlan bool
}

// A Step is a model compiled for training at one batch size: one Run is a
// forward pass, the loss (cross-entropy plus weight·cross-entropy of every
// auxiliary head the model adds with Builder.AddAux), the gradients of
// every trainable parameter, ReduceGrads, and the optimizer update at the
// schedule's learning rate. The Trainer, `zoo bench` and the zoo smoke
// tests all train through it. A Step is not safe for concurrent use.
type Step struct {
	// Context is the position the schedule sees at the next Run. Run
	// advances Step (and Epoch, when StepsPerEpoch is set and the epoch is
	// complete); a Trainer sets it before every Run.
	Context ScheduleContext

	n     *net
	cfg   StepConfig
	rng   *rand.Rand
	masks int64 // seed of the dropout streams
	opt   Optimizer
	gc    gcPacer
}

// StepResult is the outcome of one Run.
type StepResult struct {
	Loss    float64 // mean loss over the batch's real rows, auxiliary terms included
	Correct int     // real rows whose arg-max logit is the label
	Top5    int     // real rows whose label is among the 5 highest logits
	N       int     // real rows (Batch.N)
	LR      float64 // the learning rate of the update
	// Updated is false when the loss was not finite: then the parameters
	// were left as they were.
	Updated bool
}

// CompileStep builds model over ps in training mode (dropout on, batch
// norm on batch statistics, creating missing parameters) and compiles its
// loss, gradients and update.
func CompileStep(model graph.Model, ps *graph.Params, cfg StepConfig) (*Step, error) {
	switch {
	case model == nil:
		return nil, errors.New("train: CompileStep: nil model")
	case ps == nil:
		return nil, errors.New("train: CompileStep: nil Params")
	case cfg.Batch < 0:
		return nil, errors.Errorf("train: CompileStep: negative Batch %d", cfg.Batch)
	case len(cfg.Input) != 3 || cfg.Input[0] <= 0 || cfg.Input[1] <= 0 || cfg.Input[2] <= 0:
		return nil, errors.Errorf("train: CompileStep: Input %v, want positive (C, H, W)", cfg.Input)
	case cfg.LR < 0 || math.IsNaN(cfg.LR) || math.IsInf(cfg.LR, 0):
		return nil, errors.Errorf("train: CompileStep: learning rate %v", cfg.LR)
	case !(cfg.LabelSmoothing >= 0 && cfg.LabelSmoothing < 1):
		return nil, errors.Errorf("train: CompileStep: LabelSmoothing %v, want a value in [0,1)", cfg.LabelSmoothing)
	}
	if cfg.Batch == 0 {
		cfg.Batch = 64
	}
	cfg.LR = orDefault(cfg.LR, defaultLR)
	if cfg.Dtype == (tensor.Dtype{}) {
		cfg.Dtype = tensor.Float32
	}
	if cfg.Dtype != tensor.Float32 && cfg.Dtype != tensor.Float64 {
		return nil, errors.Errorf("train: CompileStep: dtype %v (want float32 or float64)", cfg.Dtype)
	}
	if cfg.Optimizer == nil {
		cfg.Optimizer = &Adam{}
	}
	if cfg.Schedule == nil {
		cfg.Schedule = Constant(cfg.LR)
	}
	s := &Step{cfg: cfg, rng: rand.New(rand.NewSource(derive(cfg.Seed, 0))), masks: derive(cfg.Seed, 3),
		opt: cfg.Optimizer, Context: ScheduleContext{BaseLR: cfg.LR}}
	if cfg.ReduceGrads != nil {
		s.opt = reducing{cfg.Optimizer, cfg.ReduceGrads}
	}
	n, err := buildNet(model, ps, cfg.Dtype, s.rng, cfg.Batch, [3]int{cfg.Input[0], cfg.Input[1], cfg.Input[2]},
		graph.CrossEntropyOpts{LabelSmoothing: cfg.LabelSmoothing}, !cfg.noPlan)
	if err != nil {
		return nil, err
	}
	s.n = n
	return s, nil
}

// Config returns the configuration with its defaults filled in.
func (s *Step) Config() StepConfig { return s.cfg }

// Classes is the number of logits the model outputs.
func (s *Step) Classes() int { return s.n.classes }

// Params lists the trainable parameters the step updates, in the order of
// the gradients ReduceGrads sees.
func (s *Step) Params() []*graph.Param { return append([]*graph.Param(nil), s.n.params...) }

// Run trains on b: rows past b.N are padding the loss ignores. b.X must
// hold Batch·C·H·W values.
func (s *Step) Run(b *data.Batch) (StepResult, error) {
	in := s.cfg.Input
	if b == nil || len(b.X) != s.n.batch*in[0]*in[1]*in[2] || b.N < 0 || b.N > s.n.batch || len(b.Labels) < b.N {
		return StepResult{}, errors.Errorf("train: Step.Run: batch does not fit %d×%v", s.n.batch, s.cfg.Input)
	}
	ctx := s.Context
	s.rng.Seed(derive(s.masks, uint64(ctx.Epoch)<<32|uint64(uint32(ctx.Step))))
	lr := s.cfg.Schedule.LR(ctx)
	if !nonNegative(lr) {
		// A schedule with a negative or NaN setting (Cosine{Base: -1})
		// would step uphill or fill the weights with NaN.
		return StepResult{}, errors.Errorf("train: the schedule gives learning rate %v at epoch %d step %d, want a finite value >= 0", lr, ctx.Epoch+1, ctx.Step+1)
	}
	loss, err := s.n.run(b, s.opt, lr)
	s.gc.afterStep()
	if err != nil {
		return StepResult{}, err
	}
	var m Metrics // top-1 and top-5 from one pass over the logits
	if err := m.addValue(s.n.logitsV, b.Labels[:b.N]); err != nil {
		return StepResult{}, err
	}
	s.Context.Step++
	if ctx.StepsPerEpoch > 0 && s.Context.Step >= ctx.StepsPerEpoch {
		s.Context.Epoch, s.Context.Step = ctx.Epoch+1, 0
	}
	return StepResult{Loss: loss, Correct: m.Top1, Top5: m.Top5, N: b.N, LR: lr, Updated: !math.IsNaN(loss) && !math.IsInf(loss, 0)}, nil
}

// Close releases the compiled machine.
func (s *Step) Close() error { return s.n.vm.Close() }

// reducing runs a gradient hook before the optimizer.
type reducing struct {
	Optimizer
	reduce func([]*graph.Param, []*tensor.Dense) error
}

func (r reducing) Step(params []*graph.Param, grads []*tensor.Dense, lr float64) error {
	if err := r.reduce(params, grads); err != nil {
		return errors.Wrap(err, "train: ReduceGrads")
	}
	return r.Optimizer.Step(params, grads, lr)
}
