package mnist_test

import (
	"math"
	"sync"
	"testing"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/data/mnist"
)

// train decodes the training set once for all tests (it is slow under -race).
var train = sync.OnceValues(mnist.Train)

func TestEmbedded(t *testing.T) {
	for _, tc := range []struct {
		name      string
		load      func() (*data.Set, error)
		n         int
		firstFive []uint8
	}{
		{"train", train, 60000, []uint8{5, 0, 4, 1, 9}},
		{"test", mnist.Test, 10000, []uint8{7, 2, 1, 0, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := tc.load()
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != tc.n || s.C != 1 || s.H != 28 || s.W != 28 || s.NumClasses() != 10 {
				t.Fatalf("%d examples of %dx%dx%d, %d classes", s.Len(), s.C, s.H, s.W, s.NumClasses())
			}
			if len(s.Images) != tc.n*28*28 {
				t.Fatalf("%d pixels", len(s.Images))
			}
			counts := make([]int, 10)
			for i, l := range s.Labels {
				if l > 9 {
					t.Fatalf("label %d of example %d", l, i)
				}
				counts[l]++
			}
			for d, n := range counts {
				if n < tc.n/20 {
					t.Errorf("digit %d has only %d examples", d, n)
				}
			}
			if got := s.Labels[:5]; string(got) != string(tc.firstFive) {
				t.Errorf("first labels %v, want %v", got, tc.firstFive)
			}
		})
	}
}

func TestMeanStd(t *testing.T) {
	s, err := train()
	if err != nil {
		t.Fatal(err)
	}
	mean, std := data.MeanStd(s)
	if math.Abs(float64(mean[0]-mnist.Mean[0])) > 1e-4 || math.Abs(float64(std[0]-mnist.Std[0])) > 1e-4 {
		t.Errorf("MeanStd = %v, %v; want %v, %v", mean, std, mnist.Mean, mnist.Std)
	}
}
