package train

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	G "gorgonia.org/gorgonia"
)

func TestCheckpointRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ckpt")
	train, test := patterns(128, 1), patterns(64, 2)
	tr := newTrainer(t, Config{Epochs: 2, BatchSize: 32, LR: 1e-2, Seed: 1,
		Hooks: []Hook{Checkpoint(dir, 1, map[string]string{"model": "tiny"})}})
	if _, err := tr.Fit(train, test); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"checkpoint-epoch1.safetensors", "checkpoint-epoch2.safetensors", "weights.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	path := filepath.Join(dir, "weights.safetensors")
	_, meta, err := graph.ReadSafetensorsFile(path)
	if err != nil || meta["model"] != "tiny" || meta["epoch"] != "2" {
		t.Errorf("metadata %v (%v)", meta, err)
	}

	// A fresh model with other initial weights, then the checkpoint.
	other := newTrainer(t, Config{EvalBatch: 64, Seed: 99, Input: []int{1, 8, 8}})
	if equal(values(t, other.Params(), "conv.weight"), values(t, tr.Params(), "conv.weight")) {
		t.Fatal("seeds 1 and 99 gave the same initial weights")
	}
	if err := LoadCheckpoint(other.Params(), path, "tiny"); err != nil {
		t.Fatal(err)
	}
	for _, name := range tr.Params().Names() {
		if !equal(values(t, other.Params(), name), values(t, tr.Params(), name)) {
			t.Errorf("%s differs after loading the checkpoint", name)
		}
	}
	l1, a1, err1 := tr.Evaluate(test)
	l2, a2, err2 := other.Evaluate(test)
	if err1 != nil || err2 != nil || l1 != l2 || a1 != a2 {
		t.Errorf("evaluation after loading: %v %v (%v), original %v %v (%v)", l2, a2, err2, l1, a1, err1)
	}

	err = LoadCheckpoint(other.Params(), path, "lenet")
	if err == nil || err.Error() != "train: checkpoint "+path+" is for tiny, not lenet" {
		t.Errorf("wrong model: error %v", err)
	}
	wider := graph.NewParams()
	b := graph.NewBuilder(wider, graph.Config{})
	b.Linear("fc", b.Input("x", 2, 3), 4, graph.LinearOpts{})
	if err := LoadCheckpoint(wider, path, ""); err == nil || !strings.Contains(err.Error(), "fc.weight") || !strings.Contains(err.Error(), "conv.weight") {
		t.Errorf("mismatched keys: error %v", err)
	}
}

func TestCSVHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.csv")
	var rows []int
	check := HookFuncs{EpochEnd: func(s *State) error { // the file is complete after every epoch
		b, err := os.ReadFile(path)
		rows = append(rows, strings.Count(string(b), "\n"))
		return err
	}}
	tr := newTrainer(t, Config{Epochs: 3, BatchSize: 32, MaxSteps: 2, Seed: 1, Hooks: []Hook{CSVHistory(path), check}})
	stats, err := tr.Fit(patterns(128, 1), patterns(50, 2))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0] != 2 || rows[2] != 4 {
		t.Errorf("lines after each epoch %v, want [2 3 4]", rows)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 || lines[0] != "epoch,train_loss,train_acc,test_loss,test_acc,seconds,train_top5,test_top5,lr" {
		t.Fatalf("CSV:\n%s", b)
	}
	for i, line := range lines[1:] {
		f := strings.Split(line, ",")
		if len(f) != 9 || f[0] != strconv.Itoa(i+1) {
			t.Fatalf("row %q", line)
		}
		s := stats[i]
		if s.TrainTop5 < s.TrainAcc || s.TestTop5 < s.TestAcc || s.LR != 1e-3 {
			t.Errorf("epoch %d: top-5 %v/%v below top-1 %v/%v or lr %v != 1e-3", i+1, s.TrainTop5, s.TestTop5, s.TrainAcc, s.TestAcc, s.LR)
		}
		want := map[int]float64{1: s.TrainLoss, 2: s.TrainAcc, 3: s.TestLoss, 4: s.TestAcc, 6: s.TrainTop5, 7: s.TestTop5, 8: s.LR}
		for j, w := range want {
			v, err := strconv.ParseFloat(f[j], 64)
			if err != nil || abs(v-w) > 1e-7*max(1, abs(w)) {
				t.Errorf("row %d field %d = %q, want %v", i+1, j, f[j], w)
			}
		}
	}
}

func abs(x float64) float64 { return max(x, -x) }

func TestProgressPlain(t *testing.T) {
	var buf bytes.Buffer
	tr := newTrainer(t, Config{Epochs: 2, BatchSize: 32, MaxSteps: 1, Seed: 1, Hooks: []Hook{ProgressBar(&buf)}})
	if _, err := tr.Fit(patterns(64, 1), patterns(40, 2)); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^epoch [12]/2  train loss \d+\.\d{4} acc [01]\.\d{4}  test loss \d+\.\d{4} acc [01]\.\d{4}  \d+\.\ds$`)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !re.MatchString(lines[0]) || !re.MatchString(lines[1]) || !strings.HasPrefix(lines[1], "epoch 2/2") {
		t.Errorf("output:\n%s", buf.String())
	}
}

// On a character device (here /dev/null) ProgressBar draws a live bar.
func TestProgressBarDevice(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	tr := newTrainer(t, Config{Epochs: 2, BatchSize: 16, MaxSteps: 3, Seed: 1, Hooks: []Hook{ProgressBar(f)}})
	if _, err := tr.Fit(patterns(64, 1), nil); err != nil {
		t.Fatal(err)
	}
}

func TestEarlyStopping(t *testing.T) {
	e := &EarlyStopping{Patience: 2}
	s := &State{}
	for i, l := range []float64{1, 0.5, 0.6, 0.4, 0.45, 0.41} {
		s.Epochs = append(s.Epochs, EpochStats{Epoch: i + 1, TrainLoss: 9, TestLoss: l})
		if err := e.OnEpochEnd(s); err != nil {
			t.Fatal(err)
		}
		if want := i == 5; s.Stop != want {
			t.Fatalf("after epoch %d (loss %v): Stop %v, want %v", i+1, l, s.Stop, want)
		}
	}
}

// An auxiliary head adds weight·CE to the training loss only.
func TestAuxLoss(t *testing.T) {
	withAux := func(w float64) graph.Model {
		return func(b *graph.Builder, x *G.Node) *G.Node {
			f := b.Flatten("flatten", x)
			if b.Training() {
				b.AddAux(b.Linear("aux", f, 4, graph.LinearOpts{}), w)
			}
			return b.Linear("fc", f, 4, graph.LinearOpts{})
		}
	}
	first := func(w float64) (float64, float64) {
		var losses []float64
		tr, err := New(withAux(w), graph.NewParams(), Config{BatchSize: 32, MaxSteps: 1, Seed: 1, Hooks: []Hook{lossRecorder(&losses)}})
		if err != nil {
			t.Fatal(err)
		}
		test := patterns(64, 2)
		el, _, err := tr.Evaluate(test)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Fit(patterns(64, 1), nil); err != nil {
			t.Fatal(err)
		}
		return losses[0], el
	}
	l0, e0 := first(0)
	l1, e1 := first(0.3)
	l2, _ := first(0.6)
	// The same seed gives the same initial weights, so only the aux term differs.
	if d1, d2 := l1-l0, l2-l0; d1 <= 0 || abs(d2-2*d1) > 1e-5 {
		t.Errorf("training losses with aux weight 0, 0.3, 0.6: %v %v %v; want linear in the weight", l0, l1, l2)
	}
	if e0 != e1 {
		t.Errorf("evaluation loss depends on the aux weight: %v vs %v", e0, e1)
	}
}
