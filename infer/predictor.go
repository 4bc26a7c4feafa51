package infer

import (
	"image"
	"math"
	"sort"
	"strconv"
	"sync"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/weights"
	"github.com/convzoo/convzoo/zoo"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Config sets up a Predictor. Model is required; every other zero value
// is the default.
type Config struct {
	// Model is a registered model name or alias (zoo.Get).
	Model string
	// Weights is the model's state_dict (safetensors of any dtype or a PyTorch file; package weights), loaded
	// strictly (every key must match). "" leaves the weights at their
	// seeded random initialisation: the predictions then mean nothing,
	// which is only useful to show that the pipeline runs.
	Weights string
	// Dataset names the data set whose transform and class names apply
	// (see Datasets). "" means the model's default (DatasetFor).
	Dataset string
	// Labels replaces the data set's class names, one per class. nil
	// means the data set's names when their number is the model's
	// classes, else "class 0", "class 1", ...
	Labels []string
	// Classes is the number of model outputs. 0 means len(Labels) when
	// Labels is set, else the data set's number of classes.
	Classes int
	// Batch is the most pictures one forward pass takes. 0 means 1.
	Batch int
}

// A Class is one entry of a prediction: the class index, its name and
// its softmax probability.
type Class struct {
	Index int
	Label string
	Prob  float64
}

// A Predictor is a model compiled once (graph.Compile) with its weights
// and its data set's transform: pictures in, ranked classes out. Predict
// is safe for concurrent use (calls are serialised: one compiled net).
type Predictor struct {
	mu      sync.Mutex
	net     *graph.Net
	model   string
	dataset Dataset
	labels  []string
	batch   int
	buf     []float32
}

// New compiles the predictor described by cfg.
func New(cfg Config) (*Predictor, error) {
	spec, err := zoo.Get(cfg.Model)
	if err != nil {
		return nil, err
	}
	if cfg.Classes < 0 || cfg.Batch < 0 {
		return nil, errors.Errorf("infer: %d classes, batch %d: must not be negative", cfg.Classes, cfg.Batch)
	}
	classes := cfg.Classes
	if classes == 0 && cfg.Labels != nil {
		classes = len(cfg.Labels)
	}
	var ds Dataset
	if cfg.Dataset != "" {
		if ds, err = DatasetNamed(cfg.Dataset); err != nil {
			return nil, err
		}
	} else {
		ds = DatasetFor(spec, classes)
	}
	if classes == 0 {
		classes = len(ds.Classes)
	}
	labels, err := labelsFor(cfg.Labels, ds.Classes, classes)
	if err != nil {
		return nil, err
	}
	if err := ds.Transform.check(); err != nil {
		return nil, err
	}
	t := ds.Transform
	ps := graph.NewParams()
	net, err := graph.Compile(spec.New(zoo.Config{Classes: classes, InChannels: t.Channels()}), ps,
		graph.CompileConfig{Batch: cfg.Batch, Input: []int{t.Channels(), t.Height, t.Width}})
	if err != nil {
		return nil, errors.Wrapf(err, "infer: compiling %s for %s pictures", spec.Name, ds.Name)
	}
	if cfg.Weights != "" {
		if _, err := weights.Load(ps, cfg.Weights, weights.Options{}); err != nil {
			net.Close()
			if cfg.Classes == 0 && cfg.Labels != nil {
				return nil, errors.Wrapf(err, "infer: %s with %d classes, one per label", spec.Name, classes)
			}
			return nil, errors.Wrapf(err, "infer: %s", spec.Name)
		}
	}
	return &Predictor{net: net, model: spec.Name, dataset: ds, labels: labels, batch: net.Batch(),
		buf: make([]float32, net.Batch()*t.Channels()*t.Height*t.Width)}, nil
}

// labelsFor picks the class names: the user's (their number must be the
// model's classes), the data set's when they fit, or numbered names.
func labelsFor(user, known []string, classes int) ([]string, error) {
	switch {
	case user != nil && len(user) != classes:
		return nil, errors.Errorf("infer: %d labels for a model with %d classes", len(user), classes)
	case user != nil:
		return append([]string(nil), user...), nil
	case len(known) == classes:
		return known, nil
	}
	out := make([]string, classes)
	for i := range out {
		out[i] = "class " + strconv.Itoa(i)
	}
	return out, nil
}

// Batch is the most pictures one forward pass takes.
func (p *Predictor) Batch() int { return p.batch }

// Model is the registry name of the model.
func (p *Predictor) Model() string { return p.model }

// Dataset is the data set whose transform and names apply.
func (p *Predictor) Dataset() Dataset { return p.dataset }

// Labels are the class names, index = class.
func (p *Predictor) Labels() []string { return append([]string(nil), p.labels...) }

// Predict returns, for each picture, its k most probable classes (k is
// clamped to the number of classes), most probable first; ties go to the
// lower index. Probabilities are the softmax of the logits, in float64.
func (p *Predictor) Predict(imgs []image.Image, k int) ([][]Class, error) {
	if k < 1 {
		return nil, errors.Errorf("infer: Predict: k = %d, want at least 1", k)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.net == nil {
		return nil, errors.New("infer: Predict on a closed Predictor")
	}
	t := p.dataset.Transform
	size := t.Channels() * t.Height * t.Width
	out := make([][]Class, 0, len(imgs))
	for start := 0; start < len(imgs); start += p.batch {
		n := min(p.batch, len(imgs)-start)
		for i := range n {
			if err := t.Apply(imgs[start+i], p.buf[i*size:(i+1)*size]); err != nil {
				return nil, errors.Wrapf(err, "picture %d", start+i)
			}
		}
		x := tensor.New(tensor.WithShape(n, t.Channels(), t.Height, t.Width), tensor.WithBacking(p.buf[:n*size]))
		logits, err := p.net.Forward(x)
		if err != nil {
			return nil, errors.Wrap(err, "infer: Predict")
		}
		row := p.net.Classes()
		for i := range n {
			out = append(out, p.top(logits.Data().([]float32)[i*row:(i+1)*row], k))
		}
	}
	return out, nil
}

// top ranks the softmax of one row of logits.
func (p *Predictor) top(logits []float32, k int) []Class {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v))
	}
	probs := make([]float64, len(logits))
	sum := 0.0
	for i, v := range logits {
		probs[i] = math.Exp(float64(v) - mx)
		sum += probs[i]
	}
	idx := make([]int, len(logits))
	for i := range idx {
		idx[i] = i
		probs[i] /= sum
	}
	sort.SliceStable(idx, func(a, b int) bool { return probs[idx[a]] > probs[idx[b]] })
	k = min(k, len(idx))
	cs := make([]Class, k)
	for i, j := range idx[:k] {
		cs[i] = Class{Index: j, Label: p.labels[j], Prob: probs[j]}
	}
	return cs
}

// Close releases the compiled net; Predict then fails. Idempotent.
func (p *Predictor) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.net == nil {
		return nil
	}
	err := p.net.Close()
	p.net = nil
	return err
}
