package train

import (
	"math"
	"math/rand"
	"strings"
	"time"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/dist"
	"github.com/convzoo/convzoo/graph"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Config configures a Trainer. Every zero field has the documented default.
type Config struct {
	Epochs    int       // 0 => 1
	BatchSize int       // 0 => 64
	EvalBatch int       // 0 => 1000 (clamped to the evaluated set's size)
	LR        float64   // 0 => 1e-3
	Optimizer Optimizer // nil => &Adam{}
	Schedule  Schedule  // nil => constant LR; sees LR as ScheduleContext.BaseLR, Epochs, steps per epoch and the losses
	// Seed drives all randomness: initial weights, shuffling, dropout
	// masks and augmentation. The same Seed repeats a run bit for bit.
	Seed  int64
	Dtype tensor.Dtype // zero => Float32; or Float64
	// Input is the model's input (C, H, W); nil means the dims of the
	// first data set given. Data sets of other dims are an error.
	Input     []int
	Mean, Std []float32 // per-channel input normalisation for both loaders
	Augment   []data.Transform
	Hooks     []Hook
	MaxSteps  int // 0 => no limit; stops each epoch after this many steps (smoke tests)
	// LabelSmoothing in [0,1) smooths the targets of the training and
	// evaluation loss as torch.nn.CrossEntropyLoss(label_smoothing)
	// (torchvision's reference scripts evaluate with the same criterion);
	// 0 means none.
	LabelSmoothing float64
	// ClipGradNorm, when positive, rescales the gradients of every step to
	// a global L2 norm of at most ClipGradNorm (ClipGradNorm below); 0
	// means no clipping.
	ClipGradNorm float64
	// Workers is the number of goroutines that prepare training batches
	// (read, augment, normalise) while the step runs. Their batches are
	// bit for bit those of the step's own goroutine. They call the training
	// set's Item concurrently, which data.Set allows; a Dataset of another
	// type gets workers only when Workers > 0 says that its Item is safe
	// for concurrent use. 0 => 1 for a *data.Set, else none; negative =>
	// none.
	Workers int

	// EMADecay, when not 0, keeps an exponential moving average of the
	// weights (torchvision's --model-ema-decay): after every EMASteps-th
	// step of an epoch (indices 0, EMASteps, ...), ema ← EMADecay·ema +
	// (1−EMADecay)·w, the first update copying w; buffers are copied.
	// Fit evaluates the average in place of the raw weights, State.EMA
	// holds it, and the Checkpoint hook's final file stores it. Must be in
	// [0, 1).
	EMADecay float64
	EMASteps int // steps between EMA updates; 0 => 1 (train.py's --model-ema-steps is 32)

	// Dist, when it has more than one rank, makes Fit data-parallel over
	// its ranks (see distributed.go): every rank runs the same Fit on the
	// whole data sets, BatchSize is per rank. nil => one process.
	Dist dist.Comm
}

// State is what hooks see. The Trainer updates it in place.
type State struct {
	Epoch         int     // current epoch, from 1
	NumEpochs     int     // epochs to run
	Step          int     // steps done in the current epoch
	StepsPerEpoch int     // steps each epoch runs
	GlobalStep    int     // steps done in this Fit
	Loss          float64 // loss of the last step
	LR            float64 // learning rate of the last step
	Epochs        []EpochStats
	Params        *graph.Params
	EMA           *graph.Params // the moving average of Params; nil without Config.EMADecay
	// Stop, set by a hook, ends Fit after the current step (OnStep) or
	// epoch (OnEpochEnd); OnEnd still runs.
	Stop bool
}

// A Trainer fits a model to a data set. It is not safe for concurrent use.
type Trainer struct {
	cfg       Config
	model     graph.Model
	ps        *graph.Params
	sched     Schedule
	input     [3]int
	haveInput bool
	step      *Step
	evalNet   *graph.Net
	dataRng   *rand.Rand
	ema       *ema      // nil without Config.EMADecay
	at        position  // where Fit is, for SaveState
	resume    *position // where the next Fit starts, set by ResumeFrom
}

// New returns a Trainer of model over ps with cfg's defaults filled in. If
// cfg.Input is set, the training graph is built now, so model errors show
// here; otherwise at the first Fit.
func New(model graph.Model, ps *graph.Params, cfg Config) (*Trainer, error) {
	switch {
	case model == nil:
		return nil, errors.New("train: New: nil model")
	case ps == nil:
		return nil, errors.New("train: New: nil Params")
	case cfg.Epochs < 0 || cfg.BatchSize < 0 || cfg.EvalBatch < 0 || cfg.MaxSteps < 0 || cfg.EMASteps < 0:
		return nil, errors.Errorf("train: New: negative Epochs %d, BatchSize %d, EvalBatch %d, MaxSteps %d or EMASteps %d",
			cfg.Epochs, cfg.BatchSize, cfg.EvalBatch, cfg.MaxSteps, cfg.EMASteps)
	case !(cfg.EMADecay >= 0 && cfg.EMADecay < 1):
		return nil, errors.Errorf("train: New: EMADecay %v, want 0 (none) or a value in (0, 1)", cfg.EMADecay)
	case cfg.LR < 0 || math.IsNaN(cfg.LR) || math.IsInf(cfg.LR, 0):
		return nil, errors.Errorf("train: New: learning rate %v", cfg.LR)
	case !(cfg.LabelSmoothing >= 0 && cfg.LabelSmoothing < 1):
		return nil, errors.Errorf("train: New: LabelSmoothing %v, want a value in [0,1)", cfg.LabelSmoothing)
	case !(cfg.ClipGradNorm >= 0) || math.IsInf(cfg.ClipGradNorm, 1):
		return nil, errors.Errorf("train: New: ClipGradNorm %v, want a positive number or 0 for none", cfg.ClipGradNorm)
	case cfg.Input != nil && (len(cfg.Input) != 3 || cfg.Input[0] <= 0 || cfg.Input[1] <= 0 || cfg.Input[2] <= 0):
		return nil, errors.Errorf("train: New: Input %v, want positive (C, H, W)", cfg.Input)
	}
	cfg.Epochs = max(cfg.Epochs, 1)
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 64
	}
	if cfg.EvalBatch == 0 {
		cfg.EvalBatch = 1000
	}
	cfg.LR = orDefault(cfg.LR, 1e-3)
	if cfg.Optimizer == nil {
		cfg.Optimizer = &Adam{}
	}
	if v, ok := cfg.Optimizer.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			if strings.HasPrefix(err.Error(), "train: ") {
				return nil, err // Adam's and SGD's name the field already
			}
			return nil, errors.Wrap(err, "train: New: optimizer")
		}
	}
	if cfg.Dtype == (tensor.Dtype{}) {
		cfg.Dtype = tensor.Float32
	}
	if cfg.Dtype != tensor.Float32 && cfg.Dtype != tensor.Float64 {
		return nil, errors.Errorf("train: New: dtype %v (want float32 or float64)", cfg.Dtype)
	}
	for i, h := range cfg.Hooks {
		if h == nil {
			return nil, errors.Errorf("train: New: Hooks[%d] is nil", i)
		}
	}
	t := &Trainer{cfg: cfg, model: model, ps: ps, sched: cfg.Schedule,
		dataRng: rand.New(rand.NewSource(derive(cfg.Seed, 1)))}
	if t.sched == nil {
		t.sched = Constant(cfg.LR)
	}
	if cfg.Input != nil {
		t.input, t.haveInput = [3]int{cfg.Input[0], cfg.Input[1], cfg.Input[2]}, true
		if _, err := t.training(); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// derive returns the seed of stream k of seed (SplitMix64), so that the
// sources of randomness of a run are independent but all follow Seed.
func derive(seed int64, k uint64) int64 {
	z := uint64(seed) + (k+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return int64(z ^ z>>31)
}

// Config returns the configuration with its defaults filled in.
func (t *Trainer) Config() Config { return t.cfg }

// Params returns the store the Trainer updates.
func (t *Trainer) Params() *graph.Params { return t.ps }

// check makes sure ds fits the model's input, fixing the input from the
// first data set when Config.Input is nil.
func (t *Trainer) check(what string, ds data.Dataset) error {
	if err := data.Check(ds); err != nil {
		return errors.Wrapf(err, "train: %s", what)
	}
	c, h, w := ds.Dims()
	if !t.haveInput {
		t.input, t.haveInput = [3]int{c, h, w}, true
	}
	if in := t.input; in != [3]int{c, h, w} {
		return errors.Errorf("train: %s is %dx%dx%d, the model takes %dx%dx%d", what, c, h, w, in[0], in[1], in[2])
	}
	if ds.Len() == 0 {
		return errors.Errorf("train: %s is empty", what)
	}
	return nil
}

// training returns the compiled training step, building it on first use.
func (t *Trainer) training() (*Step, error) {
	if t.step == nil {
		s, err := CompileStep(t.model, t.ps, StepConfig{Batch: t.cfg.BatchSize, Input: t.input[:], Dtype: t.cfg.Dtype,
			LR: t.cfg.LR, Optimizer: t.cfg.Optimizer, Schedule: t.sched, Seed: t.stepSeed(),
			LabelSmoothing: t.cfg.LabelSmoothing, ReduceGrads: chainGrads(t.gradReducer(), t.clip())})
		if err != nil {
			return nil, err
		}
		t.step = s
	}
	return t.step, nil
}

// clip is the gradient hook of Config.ClipGradNorm, nil without clipping.
func (t *Trainer) clip() func([]*graph.Param, []*tensor.Dense) error {
	if t.cfg.ClipGradNorm == 0 {
		return nil
	}
	return func(_ []*graph.Param, grads []*tensor.Dense) error {
		_, err := ClipGradNorm(grads, t.cfg.ClipGradNorm)
		return err
	}
}

// classes checks that the model outputs at least ds's classes.
func classes(outputs int, what string, ds data.Dataset) error {
	if k := ds.NumClasses(); k > outputs {
		return errors.Errorf("train: %s has %d classes, the model outputs %d", what, k, outputs)
	}
	return nil
}

// Fit trains for Config.Epochs epochs on train, evaluating on test after
// each epoch when test is not nil, and returns the statistics of every
// epoch. On error it returns those of the epochs completed.
func (t *Trainer) Fit(train, test data.Dataset) (_ []EpochStats, err error) {
	defer t.abortOnError(&err)
	if err := t.check("training set", train); err != nil {
		return nil, err
	}
	if test != nil {
		if err := t.check("test set", test); err != nil {
			return nil, err
		}
	}
	n, err := t.training()
	if err != nil {
		return nil, err
	}
	if err := classes(n.Classes(), "training set", train); err != nil {
		return nil, err
	}
	if err := t.syncParams(); err != nil {
		return nil, err
	}
	ld, err := data.NewLoader(train, data.LoaderConfig{BatchSize: t.cfg.BatchSize, Shuffle: true, Rand: t.dataRng,
		Last: data.DropLast, Mean: t.cfg.Mean, Std: t.cfg.Std, Augment: t.cfg.Augment, Workers: t.workers(train),
		Shard: t.shard(data.PadShards)})
	if err != nil {
		return nil, errors.Wrap(err, "train: training loader")
	}
	defer ld.Close()
	steps := ld.Batches()
	if t.cfg.MaxSteps > 0 {
		steps = min(steps, t.cfg.MaxSteps)
	}
	if steps == 0 {
		return nil, errors.Errorf("train: the training set has %d examples, fewer than one batch of %d", train.Len(), t.cfg.BatchSize)
	}
	if t.cfg.EMADecay > 0 && t.ema == nil {
		t.ema = newEMA(t.ps, t.cfg.EMADecay, t.cfg.EMASteps)
	}
	t.at = position{}
	if t.resume != nil {
		if t.resume.StepsPerEpoch != steps && t.resume.StepsPerEpoch != 0 {
			return nil, errors.Errorf("train: resuming a run of %d steps per epoch with %d", t.resume.StepsPerEpoch, steps)
		}
		t.at, t.resume = *t.resume, nil
	}
	t.at.StepsPerEpoch = steps
	st := &State{NumEpochs: t.cfg.Epochs, StepsPerEpoch: steps, Params: t.ps, GlobalStep: t.at.GlobalStep,
		Epochs: append([]EpochStats(nil), t.at.History...)}
	if t.ema != nil {
		st.EMA = t.ema.store
	}
	if err := t.fire(st, Hook.OnStart); err != nil {
		return nil, err
	}
	for e := 1; e <= len(st.Epochs); e++ {
		t.shuffle(ld, e) // each epoch's order starts from the last one's
	}
	for e := len(st.Epochs) + 1; e <= t.cfg.Epochs && !st.Stop; e++ {
		st.Epoch = e
		start, before := time.Now(), t.at.Seconds // the seconds a resumed epoch had run before
		es, err := t.epoch(n, ld, st)
		if err != nil {
			return st.Epochs, err
		}
		if test != nil {
			m, err := t.evaluateAverage(test)
			if err != nil {
				return st.Epochs, err
			}
			es.TestLoss, es.TestAcc, es.TestTop5 = m.Loss(), m.Acc(), m.Top5Acc()
		}
		es.Seconds = before + time.Since(start).Seconds()
		st.Epochs = append(st.Epochs, es)
		t.at = position{History: append([]EpochStats(nil), st.Epochs...), GlobalStep: st.GlobalStep, StepsPerEpoch: steps}
		if err := t.fire(st, Hook.OnEpochEnd); err != nil {
			return st.Epochs, err
		}
	}
	return st.Epochs, t.fire(st, Hook.OnEnd)
}

// epoch runs the steps of epoch st.Epoch from t.at (its first step, or
// the step a resumed run stopped at). The order of the examples and their
// augmentation depend only on Seed and the epochs so far (a resumed run
// replays the shuffles of the epochs before); the batches a resumed run
// has done are drawn again and skipped.
func (t *Trainer) epoch(n *Step, ld *data.Loader, st *State) (EpochStats, error) {
	es := EpochStats{Epoch: st.Epoch, TestLoss: math.NaN(), TestAcc: math.NaN(), TestTop5: math.NaN()}
	t.shuffle(ld, st.Epoch)
	for range t.at.Step {
		ld.Next()
	}
	st.Step = t.at.Step
	start := time.Now()
	losses := monitored(st.Epochs)
	// The rate of the epoch's first step, for the history (schedules are
	// functions of their context, so a resumed run finds the same).
	es.LR = t.sched.LR(ScheduleContext{Epoch: st.Epoch - 1, StepsPerEpoch: st.StepsPerEpoch,
		Epochs: t.cfg.Epochs, BaseLR: t.cfg.LR, Losses: losses})
	for st.Step < st.StepsPerEpoch && !st.Stop {
		b, ok := ld.Next()
		if !ok {
			if err := ld.Err(); err != nil {
				return es, errors.Wrapf(err, "train: epoch %d", st.Epoch)
			}
			break
		}
		n.Context = ScheduleContext{Epoch: st.Epoch - 1, Step: st.Step, StepsPerEpoch: st.StepsPerEpoch,
			Epochs: t.cfg.Epochs, BaseLR: t.cfg.LR, Losses: losses}
		r, err := n.Run(b)
		if err != nil {
			return es, errors.Wrapf(err, "train: epoch %d step %d", st.Epoch, st.Step+1)
		}
		if !r.Updated {
			return es, errors.Errorf("train: loss is %v at epoch %d step %d", r.Loss, st.Epoch, st.Step+1)
		}
		if t.ema != nil && t.ema.due(st.Step) {
			if err := t.ema.update(t.ps); err != nil {
				return es, err
			}
		}
		st.Step++
		st.GlobalStep++
		st.Loss, st.LR = r.Loss, r.LR
		// The epoch's sums are kept over all the ranks, step by step: the
		// state rank 0 saves then holds the job's, which every resumed
		// rank starts from.
		loss, hits, top5, rows := r.Loss, float64(r.Correct), float64(r.Top5), float64(b.N)
		if err := t.sumOverRanks(&loss, &hits, &top5, &rows); err != nil {
			return es, err
		}
		a := &t.at
		a.Step, a.GlobalStep = st.Step, st.GlobalStep
		a.Sum += loss
		a.Correct += int(hits)
		a.Top5 += int(top5)
		a.Seen += int(rows)
		a.Seconds += time.Since(start).Seconds()
		start = time.Now()
		if err := t.fire(st, Hook.OnStep); err != nil {
			return es, err
		}
	}
	steps := float64(st.Step) // losses summed: one a step and rank
	if t.distributed() {
		steps *= float64(t.cfg.Dist.Size())
	}
	rows := float64(t.at.Seen)
	es.TrainLoss = t.at.Sum / max(steps, 1)
	es.TrainAcc = float64(t.at.Correct) / max(rows, 1)
	es.TrainTop5 = float64(t.at.Top5) / max(rows, 1)
	return es, nil
}

// workers is the number of prefetch goroutines for ds (Config.Workers).
func (t *Trainer) workers(ds data.Dataset) int {
	switch _, set := ds.(*data.Set); {
	case t.cfg.Workers > 0:
		return t.cfg.Workers
	case t.cfg.Workers == 0 && set:
		return 1
	}
	return 0
}

// shuffle starts epoch e of ld with the data stream reseeded from Seed and
// e: the Loader shuffles its previous order and draws the epoch's
// augmentation seeds from that stream.
func (t *Trainer) shuffle(ld *data.Loader, e int) {
	t.dataRng.Seed(derive(derive(t.cfg.Seed, 1), uint64(e)))
	ld.Epoch()
}

// evaluateAverage evaluates the moving average of the weights when there
// is one, else the weights.
func (t *Trainer) evaluateAverage(ds data.Dataset) (*Metrics, error) {
	if t.ema == nil {
		return t.evaluateMetrics(ds)
	}
	if err := t.ema.swap(t.ps); err != nil {
		return nil, err
	}
	m, err := t.evaluateMetrics(ds)
	if serr := t.ema.swap(t.ps); err == nil {
		err = serr
	}
	return m, err
}

// EMA returns the moving average of the weights, nil without
// Config.EMADecay or before Fit.
func (t *Trainer) EMA() *graph.Params {
	if t.ema == nil {
		return nil
	}
	return t.ema.store
}

// monitored returns the loss a schedule monitors for each epoch: the test
// loss, or the training loss without a test set.
func monitored(stats []EpochStats) []float64 {
	ls := make([]float64, len(stats))
	for i, e := range stats {
		ls[i] = e.TestLoss
		if math.IsNaN(e.TestLoss) {
			ls[i] = e.TrainLoss
		}
	}
	return ls
}

// fire calls one event of every hook, in order.
func (t *Trainer) fire(st *State, event func(Hook, *State) error) error {
	for _, h := range t.cfg.Hooks {
		if err := event(h, st); err != nil {
			return err
		}
	}
	return nil
}

// AddHooks appends hooks to Config.Hooks, for hooks that need the Trainer
// itself (StateCheckpoint). Hooks run in order.
func (t *Trainer) AddHooks(hooks ...Hook) error {
	for i, h := range hooks {
		if h == nil {
			return errors.Errorf("train: AddHooks: hook %d is nil", i)
		}
	}
	t.cfg.Hooks = append(t.cfg.Hooks, hooks...)
	return nil
}
