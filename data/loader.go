package data

import (
	"math"
	"math/rand"

	"github.com/pkg/errors"
)

// Last says what a Loader does with the last, partial batch of an epoch.
type Last int

const (
	// DropLast drops the last partial batch (training); the default.
	DropLast Last = iota
	// PadLast pads the last batch with zeros to BatchSize; Batch.N tells the real count
	// (evaluation).
	PadLast
)

// LoaderConfig configures a Loader. The zero value gives batches of 64 in dataset order,
// scaled to [0,1], without augmentation, dropping the last partial batch.
type LoaderConfig struct {
	BatchSize int        // 0 => 64
	Shuffle   bool       // reshuffle each epoch with Rand
	Rand      *rand.Rand // required when Shuffle or Augment is set; an error otherwise
	Last      Last       // DropLast (0) or PadLast
	// Mean and Std normalise each channel after scaling to [0,1]: x = (x-Mean[c])/Std[c].
	// Each has one entry per channel or is nil (nil Mean => 0, nil Std => 1).
	// MNIST: 0.1307, 0.3081.
	Mean, Std []float32
	// Augment is applied per example, in order, before normalisation. A Loader applies it
	// whenever it is set: give the evaluation Loader none.
	Augment []Transform
	// Workers is the number of goroutines preparing batches ahead of time; 0 prepares
	// each batch in Next. The batches are identical either way for the same Rand seed.
	// With Workers > 0 the Dataset's Item must be safe for concurrent use (Set is).
	Workers int
	// Shard selects one rank's share of every epoch (data-parallel
	// training); the zero value shards nothing.
	Shard Shard
}

// Batch is one batch in NCHW order.
type Batch struct {
	X      []float32 // BatchSize*C*H*W, NCHW; padding examples are zero
	Labels []int     // len BatchSize, padding labels are 0
	N      int       // real examples; < BatchSize only for the last batch under PadLast
	err    error     // a label outside [0, NumClasses) met while building the batch
}

// Loader cuts a Dataset into batches, epoch after epoch. It is not safe for concurrent
// use by several goroutines.
type Loader struct {
	ds        Dataset
	name      string // the dataset's name in errors
	classes   int
	err       error // sticky: the first bad label met
	cfg       LoaderConfig
	c, h, w   int
	size      int // c*h*w
	bs, n, nb int // batch size, examples, batches per epoch
	mean, std []float32
	order     []int   // example order of the current epoch
	perm      []int   // sharded: the whole data set's order, of which order is a share
	seeds     []int64 // per-batch augmentation seeds of the current epoch; nil without Augment
	started   bool
	next      int         // next batch to return
	batch     *Batch      // Workers == 0: the reused batch
	rng       *rand.Rand  // Workers == 0: reseeded per batch
	pipe      *pipeline   // Workers > 0: the running pipeline, or nil
	held      *Batch      // Workers > 0: the batch returned by the last Next
	free      chan *Batch // Workers > 0: buffers no one is using
}

// NewLoader returns a Loader over ds, checking ds (Check) and cfg: BatchSize and Workers must not be
// negative, Rand must be set for Shuffle and Augment, Mean and Std must have one entry
// per channel, Std entries must be positive, transforms must be valid.
func NewLoader(ds Dataset, cfg LoaderConfig) (*Loader, error) {
	if err := Check(ds); err != nil {
		return nil, err
	}
	c, h, w := ds.Dims()
	switch {
	case cfg.BatchSize < 0:
		return nil, errors.Errorf("data: NewLoader: negative BatchSize %d", cfg.BatchSize)
	case cfg.Workers < 0:
		return nil, errors.Errorf("data: NewLoader: negative Workers %d", cfg.Workers)
	case cfg.Last != DropLast && cfg.Last != PadLast:
		return nil, errors.Errorf("data: NewLoader: unknown Last policy %d", cfg.Last)
	case (cfg.Shuffle || len(cfg.Augment) > 0) && cfg.Rand == nil:
		return nil, errors.New("data: NewLoader: Shuffle and Augment need a Rand")
	case cfg.Mean != nil && len(cfg.Mean) != c:
		return nil, errors.Errorf("data: NewLoader: %d Mean values for %d channels", len(cfg.Mean), c)
	case cfg.Std != nil && len(cfg.Std) != c:
		return nil, errors.Errorf("data: NewLoader: %d Std values for %d channels", len(cfg.Std), c)
	}
	l := &Loader{ds: ds, name: datasetName(ds), classes: ds.NumClasses(), cfg: cfg, c: c, h: h, w: w, size: c * h * w, n: ds.Len(), bs: cfg.BatchSize}
	if l.bs == 0 {
		l.bs = 64
	}
	l.mean, l.std = make([]float32, c), make([]float32, c)
	for i := range c {
		l.std[i] = 1
		if cfg.Mean != nil {
			l.mean[i] = cfg.Mean[i]
		}
		if cfg.Std != nil {
			l.std[i] = cfg.Std[i]
		}
		if !(l.std[i] > 0) || math.IsInf(float64(l.std[i]), 0) || math.IsNaN(float64(l.mean[i])) {
			return nil, errors.Errorf("data: NewLoader: channel %d has Mean %v, Std %v; Std must be positive and finite", i, l.mean[i], l.std[i])
		}
	}
	l.cfg.Augment = append([]Transform(nil), cfg.Augment...)
	for i, t := range l.cfg.Augment {
		if t == nil {
			return nil, errors.Errorf("data: NewLoader: Augment[%d] is nil", i)
		}
		if v, ok := t.(validator); ok {
			if err := v.validate(); err != nil {
				return nil, errors.Wrapf(err, "data: NewLoader: Augment[%d]", i)
			}
		}
	}
	if err := l.initShard(); err != nil {
		return nil, err
	}
	l.nb = l.n / l.bs
	if cfg.Last == PadLast {
		l.nb = (l.n + l.bs - 1) / l.bs
	}
	l.order = make([]int, l.n)
	for i := range l.order {
		l.order[i] = i
	}
	l.pickShard()
	if len(l.cfg.Augment) > 0 {
		l.seeds = make([]int64, l.nb)
	}
	if cfg.Workers == 0 {
		l.batch = l.newBatch()
		l.rng = rand.New(rand.NewSource(0))
	}
	return l, nil
}

// Batches returns the number of batches per epoch under the Last policy.
func (l *Loader) Batches() int { return l.nb }

// BatchSize returns the batch size (64 when the config said 0).
func (l *Loader) BatchSize() int { return l.bs }

// Epoch starts a new epoch: it reshuffles the examples when Shuffle is set and draws
// the augmentation seeds of the epoch's batches from Rand. Next starts the first epoch
// by itself if Epoch was never called.
func (l *Loader) Epoch() {
	l.stop()
	l.started = true
	l.next = 0
	if l.cfg.Shuffle {
		p := l.order
		if l.perm != nil {
			p = l.perm
		}
		l.cfg.Rand.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
	}
	l.pickShard()
	l.drawSeeds()
}

// Next returns the next batch of the epoch, or false at the end of the epoch (until
// Epoch is called) or when an example has a label outside [0, NumClasses): Err then
// names it, and every later Next returns false. The returned Batch, its X and Labels
// are reused: they are valid only until the next call to Next.
func (l *Loader) Next() (*Batch, bool) {
	if !l.started {
		l.Epoch()
	}
	if l.next >= l.nb || l.err != nil {
		return nil, false
	}
	b := l.next
	l.next++
	batch := l.batch
	if l.cfg.Workers == 0 {
		l.build(b, batch, l.rng)
	} else {
		batch = l.nextPrefetched(b)
	}
	if batch.err != nil {
		l.err = batch.err
		return nil, false
	}
	return batch, true
}

// Err is the error that ended the batches early: an example whose label is outside
// [0, NumClasses), named by dataset and index. It is nil at the normal end of an epoch.
func (l *Loader) Err() error { return l.err }

// Close stops the prefetch goroutines of an unfinished epoch; they stop by themselves
// at the end of each epoch. The Loader stays usable: Next resumes where it was.
func (l *Loader) Close() { l.stop() }

func (l *Loader) newBatch() *Batch {
	return &Batch{X: make([]float32, l.bs*l.size), Labels: make([]int, l.bs)}
}

// build writes batch b of the current epoch into out, reseeding rng with the batch's
// augmentation seed, so the result depends only on the epoch's order and seeds.
func (l *Loader) build(b int, out *Batch, rng *rand.Rand) {
	start := b * l.bs
	out.N = min(l.bs, l.n-start)
	if l.seeds != nil {
		rng.Seed(l.seeds[b])
	}
	hw := l.h * l.w
	out.err = nil
	for k := 0; k < out.N; k++ {
		x := out.X[k*l.size : (k+1)*l.size]
		i := l.order[start+k]
		out.Labels[k] = l.ds.Item(i, x)
		if y := out.Labels[k]; y < 0 || y >= l.classes {
			out.err = errors.Errorf("data: %s: example %d has label %d, want 0 to %d", l.name, i, y, l.classes-1)
			return
		}
		for _, t := range l.cfg.Augment {
			t.Apply(rng, x, l.c, l.h, l.w)
		}
		for ch := range l.c {
			m, s := l.mean[ch], l.std[ch]
			if m == 0 && s == 1 {
				continue
			}
			plane := x[ch*hw : (ch+1)*hw]
			for i, v := range plane {
				plane[i] = (v - m) / s
			}
		}
	}
	clear(out.X[out.N*l.size:])
	clear(out.Labels[out.N:])
}
