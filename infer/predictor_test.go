package infer

import (
	"image"
	"image/color"
	"math"
	"strings"
	"sync"
	"testing"
)

// gradient is a w x h picture that differs with seed.
func gradient(w, h, seed int) image.Image {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, color.NRGBA{uint8(x*seed + y), uint8(y * 3 * seed), uint8(x ^ y), 255})
		}
	}
	return m
}

// TestPredict checks the ranking (sorted, probabilities that sum to one
// over all classes), that batching does not change a picture's result,
// and that concurrent calls are serialised correctly.
func TestPredict(t *testing.T) {
	imgs := []image.Image{gradient(40, 30, 1), gradient(28, 28, 2), gradient(9, 50, 3)}
	one, err := New(Config{Model: "lenet"})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	two, err := New(Config{Model: "lenet5", Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	if one.Dataset().Name != "mnist" || one.Model() != "lenet" || one.Labels()[7] != "7" {
		t.Fatalf("dataset %q model %q labels %v", one.Dataset().Name, one.Model(), one.Labels())
	}
	all, err := one.Predict(imgs, 100)
	if err != nil {
		t.Fatal(err)
	}
	batched, err := two.Predict(imgs, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || len(batched) != 3 {
		t.Fatalf("%d and %d results for 3 pictures", len(all), len(batched))
	}
	for i, cs := range all {
		if len(cs) != 10 {
			t.Fatalf("picture %d: %d classes for k=100, want all 10", i, len(cs))
		}
		sum := 0.0
		for j, c := range cs {
			sum += c.Prob
			if j > 0 && c.Prob > cs[j-1].Prob {
				t.Errorf("picture %d: rank %d has p=%g above rank %d's %g", i, j, c.Prob, j-1, cs[j-1].Prob)
			}
			if c.Label != one.Labels()[c.Index] {
				t.Errorf("class %d labelled %q", c.Index, c.Label)
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("picture %d: probabilities sum to %.12g", i, sum)
		}
		if len(batched[i]) != 3 {
			t.Fatalf("k=3 gave %d classes", len(batched[i]))
		}
		for j, c := range batched[i] {
			if c.Index != cs[j].Index || math.Abs(c.Prob-cs[j].Prob) > 1e-6 {
				t.Errorf("picture %d rank %d: batch 2 gives %+v, batch 1 %+v", i, j, c, cs[j])
			}
		}
	}
	if all[0][0].Prob == all[1][0].Prob && all[0][0].Index == all[1][0].Index {
		t.Error("two different pictures got identical predictions: is the input reaching the model?")
	}
	var wg sync.WaitGroup
	errs := make([]string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := two.Predict(imgs[g%3:g%3+1], 1)
			if err != nil {
				errs[g] = err.Error()
			} else if got[0][0] != batched[g%3][0] {
				errs[g] = "concurrent result differs"
			}
		}()
	}
	wg.Wait()
	for g, e := range errs {
		if e != "" {
			t.Errorf("goroutine %d: %s", g, e)
		}
	}
}

func TestPredictorErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Model: "nope"}, "unknown model"},
		{Config{Model: "lenet", Dataset: "svhn"}, "unknown data set \"svhn\""},
		{Config{Model: "lenet", Labels: []string{"a", "b"}, Classes: 3}, "2 labels for a model with 3 classes"},
		{Config{Model: "lenet", Batch: -1}, "negative"},
		{Config{Model: "lenet", Weights: "/nonexistent/w.safetensors"}, "/nonexistent/w.safetensors"},
	} {
		p, err := New(tc.cfg)
		if err == nil {
			p.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v): %v, want an error containing %q", tc.cfg, err, tc.want)
		}
	}
	p, err := New(Config{Model: "resnet20", Labels: []string{"a", "b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Dataset().Name != "cifar10" || p.Labels()[2] != "c" {
		t.Errorf("resnet20 with 3 labels: dataset %s, labels %v", p.Dataset().Name, p.Labels())
	}
	if _, err := p.Predict([]image.Image{gradient(3, 3, 1)}, 0); err == nil {
		t.Error("k = 0 accepted")
	}
	if _, err := p.Predict([]image.Image{nil}, 1); err == nil || !strings.Contains(err.Error(), "picture 0") {
		t.Errorf("nil picture: %v", err)
	}
	p.Close()
	if _, err := p.Predict([]image.Image{gradient(3, 3, 1)}, 1); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Predict after Close: %v", err)
	}
}
