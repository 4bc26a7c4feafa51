package train

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

// badLabels is a data set of patterns whose example at index bad has the
// given label: the loss used to ignore it as a padded row when negative.
type badLabels struct {
	*data.Set
	bad, label int
}

func (d badLabels) Item(i int, dst []float32) int {
	l := d.Set.Item(i, dst)
	if i == d.bad {
		return d.label
	}
	return l
}

// TestFitRefusesBadDatasets: nil and typed-nil data sets, a Set whose
// images do not match its labels and labels outside the classes are errors
// naming the set and the example, never a panic or a silently ignored row.
func TestFitRefusesBadDatasets(t *testing.T) {
	short := patterns(64, 1)
	short.Labels = append(short.Labels, 0)
	cases := []struct {
		name        string
		train, test data.Dataset
		want        string
	}{
		{"nil", nil, nil, "train: training set: data: nil Dataset"},
		{"typed nil train", (*data.Set)(nil), nil, "train: training set: data: nil *data.Set"},
		{"typed nil test", patterns(64, 1), (*data.Set)(nil), "train: test set: data: nil *data.Set"},
		{"labels without images", short, nil, "train: training set: data: patterns: 4096 pixels for 65 examples of 1x8x8"},
		{"label -7", badLabels{patterns(64, 1), 5, -7}, nil, "train: epoch 1: data: train.badLabels: example 5 has label -7, want 0 to 3"},
		{"label 4", badLabels{patterns(64, 1), 9, 4}, nil, "example 9 has label 4, want 0 to 3"},
		{"test label -7", patterns(64, 1), badLabels{patterns(64, 2), 63, -7}, "train: evaluating: data: train.badLabels: example 63 has label -7"},
	}
	for _, c := range cases {
		tr := newTrainer(t, Config{BatchSize: 16, EvalBatch: 16, Input: []int{1, 8, 8}})
		_, err := tr.Fit(c.train, c.test)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Fit error %v, want %q", c.name, err, c.want)
		}
	}
	tr := newTrainer(t, Config{Input: []int{1, 8, 8}})
	if _, _, err := tr.Evaluate((*data.Set)(nil)); err == nil || !strings.Contains(err.Error(), "nil *data.Set") {
		t.Errorf("Evaluate of a nil *Set: %v", err)
	}
}

// TestRunRefusesBadLabels: a batch handed to the compiled step with a label
// outside the model's classes in a real row is an error; only the rows past
// N (the loader's padding) are ignored by the loss.
func TestRunRefusesBadLabels(t *testing.T) {
	tr := newTrainer(t, Config{BatchSize: 4, Input: []int{1, 8, 8}})
	n, err := tr.training()
	if err != nil {
		t.Fatal(err)
	}
	b := &data.Batch{X: make([]float32, 4*64), Labels: []int{0, 1, -7, 2}, N: 3}
	if _, err := n.Run(b); err == nil || !strings.Contains(err.Error(), "row 2 of the batch has label -7, want 0 to 3") {
		t.Errorf("label -7 in a real row: %v", err)
	}
	b.Labels[2], b.Labels[3] = 3, -7 // row 3 is padding
	if _, err := n.Run(b); err != nil {
		t.Errorf("bad label in a padding row: %v", err)
	}
	b.Labels[0] = 4
	if _, err := n.Run(b); err == nil || !strings.Contains(err.Error(), "row 0 of the batch has label 4") {
		t.Errorf("label 4 of 4 classes: %v", err)
	}
}

// TestOptimizerSettingsValidated: settings torch refuses are refused by
// New and by Step, naming the field; Step leaves the weights alone.
func TestOptimizerSettingsValidated(t *testing.T) {
	cases := []struct {
		opt  Optimizer
		want string
	}{
		{&Adam{Beta1: 5}, "train: Adam: Beta1 5, want 0 <= Beta1 < 1"},
		{&Adam{Beta2: -1}, "train: Adam: Beta2 -1"},
		{&Adam{Beta2: 1}, "train: Adam: Beta2 1"},
		{&Adam{Eps: -1}, "train: Adam: Eps -1, want a finite value >= 0"},
		{&Adam{WeightDecay: math.NaN()}, "train: Adam: WeightDecay NaN"},
		{&Adam{WeightDecay: -1, Decoupled: true}, "train: Adam: WeightDecay -1"},
		{&SGD{Momentum: -5}, "train: SGD: Momentum -5, want 0 <= Momentum < 1"},
		{&SGD{Momentum: math.Inf(1)}, "train: SGD: Momentum +Inf"},
		{&SGD{WeightDecay: -1}, "train: SGD: WeightDecay -1"},
		{&SGD{WeightDecay: math.Inf(1)}, "train: SGD: WeightDecay +Inf"},
		{&SGD{Nesterov: true}, "train: SGD: Nesterov needs a Momentum > 0"},
	}
	for _, c := range cases {
		// The error begins with the package prefix once: it read
		// "train: New: train: Adam: ...".
		if _, err := New(tiny, graph.NewParams(), Config{Optimizer: c.opt}); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("New with %+v: %v, want %q", c.opt, err, c.want)
		}
		w := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, 2}))
		g := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, 1}))
		err := c.opt.Step([]*graph.Param{{Name: "w", Value: w}}, []*tensor.Dense{g}, 0.1)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Step of %+v: %v, want %q", c.opt, err, c.want)
		}
		if d := w.Data().([]float32); d[0] != 1 || d[1] != 2 {
			t.Errorf("Step of %+v changed the weights to %v", c.opt, d)
		}
	}
	for _, ok := range []Optimizer{&Adam{}, &Adam{Beta1: 0.5, Beta2: 0.9, Eps: 1e-3, WeightDecay: 0.1}, &SGD{}, &SGD{Momentum: 0.9, Nesterov: true}} {
		if _, err := New(tiny, graph.NewParams(), Config{Optimizer: ok}); err != nil {
			t.Errorf("New with %+v: %v", ok, err)
		}
	}
}

// TestFitRefusesBadScheduleLR: a schedule giving a negative or NaN
// learning rate is an error at the first step, before the weights change;
// Cosine{Base: -1} trained uphill silently.
func TestFitRefusesBadScheduleLR(t *testing.T) {
	for _, s := range []Schedule{Cosine{Base: -1}, Constant(-0.5), StepLR{Base: math.NaN()}} {
		tr := newTrainer(t, Config{BatchSize: 16, Input: []int{1, 8, 8}, Schedule: s})
		before := tr.Params().Clone()
		_, err := tr.Fit(patterns(64, 1), nil)
		if err == nil || !strings.Contains(err.Error(), "train: the schedule gives learning rate") || !strings.Contains(err.Error(), "at epoch 1 step 1") {
			t.Errorf("%#v: error %v", s, err)
		}
		for _, p := range tr.Params().All() {
			q, _ := before.Get(p.Name)
			if !reflect.DeepEqual(p.Value.Data(), q.Value.Data()) {
				t.Errorf("%#v: %s changed", s, p.Name)
			}
		}
	}
}
