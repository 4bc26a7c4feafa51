package train

import (
	"math"
	"math/rand"
	"strings"
	"time"

	"github.com/convzoo/convzoo/data"
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
	Schedule  Schedule  // nil => constant LR; zero fields of this package's schedules take LR and Epochs
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
	trainNet  *net
	evalNet   *net
	dataRng   *rand.Rand
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
	case cfg.Epochs < 0 || cfg.BatchSize < 0 || cfg.EvalBatch < 0 || cfg.MaxSteps < 0:
		return nil, errors.Errorf("train: New: negative Epochs %d, BatchSize %d, EvalBatch %d or MaxSteps %d",
			cfg.Epochs, cfg.BatchSize, cfg.EvalBatch, cfg.MaxSteps)
	case cfg.LR < 0 || math.IsNaN(cfg.LR) || math.IsInf(cfg.LR, 0):
		return nil, errors.Errorf("train: New: learning rate %v", cfg.LR)
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
	switch s := t.sched.(type) {
	case nil:
		t.sched = Constant(cfg.LR)
	case filler:
		t.sched = s.fill(cfg.LR, cfg.Epochs)
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

// training returns the training net, building it on first use.
func (t *Trainer) training() (*net, error) {
	if t.trainNet == nil {
		rng := rand.New(rand.NewSource(derive(t.cfg.Seed, 0)))
		n, err := buildNet(t.model, t.ps, true, t.cfg.Dtype, rng, t.cfg.BatchSize, t.input)
		if err != nil {
			return nil, err
		}
		t.trainNet = n
	}
	return t.trainNet, nil
}

// classes checks that the model outputs at least ds's classes.
func classes(n *net, what string, ds data.Dataset) error {
	if k := ds.NumClasses(); k > n.classes {
		return errors.Errorf("train: %s has %d classes, the model outputs %d", what, k, n.classes)
	}
	return nil
}

// Fit trains for Config.Epochs epochs on train, evaluating on test after
// each epoch when test is not nil, and returns the statistics of every
// epoch. On error it returns those of the epochs completed.
func (t *Trainer) Fit(train, test data.Dataset) ([]EpochStats, error) {
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
	if err := classes(n, "training set", train); err != nil {
		return nil, err
	}
	ld, err := data.NewLoader(train, data.LoaderConfig{BatchSize: t.cfg.BatchSize, Shuffle: true, Rand: t.dataRng,
		Last: data.DropLast, Mean: t.cfg.Mean, Std: t.cfg.Std, Augment: t.cfg.Augment})
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
	if s, ok := t.sched.(interface{ withSteps(int) Schedule }); ok {
		t.sched = s.withSteps(steps)
	}
	st := &State{NumEpochs: t.cfg.Epochs, StepsPerEpoch: steps, Params: t.ps}
	if err := t.fire(st, Hook.OnStart); err != nil {
		return nil, err
	}
	for e := 1; e <= t.cfg.Epochs && !st.Stop; e++ {
		st.Epoch, st.Step = e, 0
		es, err := t.epoch(n, ld, st)
		if err != nil {
			return st.Epochs, err
		}
		if test != nil {
			if es.TestLoss, es.TestAcc, err = t.Evaluate(test); err != nil {
				return st.Epochs, err
			}
		}
		es.Seconds = time.Since(es.start).Seconds()
		st.Epochs = append(st.Epochs, es.EpochStats)
		if err := t.fire(st, Hook.OnEpochEnd); err != nil {
			return st.Epochs, err
		}
	}
	return st.Epochs, t.fire(st, Hook.OnEnd)
}

type epochRun struct {
	EpochStats
	start time.Time
}

// epoch runs the steps of one epoch.
func (t *Trainer) epoch(n *net, ld *data.Loader, st *State) (epochRun, error) {
	es := epochRun{EpochStats: EpochStats{Epoch: st.Epoch, TestLoss: math.NaN(), TestAcc: math.NaN()}, start: time.Now()}
	ld.Epoch()
	var sum float64
	correct, seen := 0, 0
	for st.Step < st.StepsPerEpoch && !st.Stop {
		b, ok := ld.Next()
		if !ok {
			if err := ld.Err(); err != nil {
				return es, errors.Wrapf(err, "train: epoch %d", st.Epoch)
			}
			break
		}
		lr := t.sched.LR(st.Epoch-1, st.Step)
		if !nonNegative(lr) {
			// A schedule with a negative or NaN setting (Cosine{Base: -1})
			// would step uphill or fill the weights with NaN.
			return es, errors.Errorf("train: the schedule gives learning rate %v at epoch %d step %d, want a finite value >= 0", lr, st.Epoch, st.Step+1)
		}
		loss, hits, err := n.run(b, t.cfg.Optimizer, lr)
		if err != nil {
			return es, errors.Wrapf(err, "train: epoch %d step %d", st.Epoch, st.Step+1)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return es, errors.Errorf("train: loss is %v at epoch %d step %d", loss, st.Epoch, st.Step+1)
		}
		st.Step++
		st.GlobalStep++
		st.Loss, st.LR = loss, lr
		sum += loss
		correct += hits
		seen += b.N
		if err := t.fire(st, Hook.OnStep); err != nil {
			return es, err
		}
	}
	es.TrainLoss = sum / float64(max(st.Step, 1))
	es.TrainAcc = float64(correct) / float64(max(seen, 1))
	return es, nil
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
