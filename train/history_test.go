package train

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	want := []EpochStats{
		{Epoch: 1, TrainLoss: 0.5, TrainAcc: 0.8, TestLoss: 0.25, TestAcc: 0.9, Seconds: 1.5, TrainTop5: 0.99, TestTop5: 1, LR: 0.1},
		{Epoch: 2, TrainLoss: 0.25, TrainAcc: 0.875, TestLoss: math.NaN(), TestAcc: math.NaN(), Seconds: 2, TrainTop5: 1, TestTop5: math.NaN(), LR: 0.01},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	if len(got) != 2 {
		t.Fatalf("%d rows", len(got))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Epoch != w.Epoch || !same(g.TrainLoss, w.TrainLoss) || !same(g.TrainAcc, w.TrainAcc) || !same(g.TestLoss, w.TestLoss) ||
			!same(g.TestAcc, w.TestAcc) || !same(g.Seconds, w.Seconds) || !same(g.TrainTop5, w.TrainTop5) || !same(g.TestTop5, w.TestTop5) || !same(g.LR, w.LR) {
			t.Errorf("row %d: %+v, want %+v", i, g, w)
		}
	}
	// A file of the first version: six columns, the rest NaN.
	old, err := ReadCSV(strings.NewReader("epoch,train_loss,train_acc,test_loss,test_acc,seconds\n1,0.5,0.8,,,3.000\n"))
	if err != nil || len(old) != 1 || old[0].TrainAcc != 0.8 || !math.IsNaN(old[0].TestAcc) || !math.IsNaN(old[0].LR) {
		t.Errorf("six-column file: %+v %v", old, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"", "empty file"},
		{"epoch,train_loss,train_acc,test_loss,seconds\n", `no column "test_acc"`},
		{CSVHeader + "\n1,0.5,0.8,0.2,0.9,1,1,1,0.1\n2,0.4,x,0.2,0.9,1,1,1,0.1\n", `line 3 column train_acc: "x"`},
		{CSVHeader + "\n1,0.5,0.8\n", "line 2 has 3 fields"},
		{CSVHeader + "\n0,0.5,0.8,0.2,0.9,1,1,1,0.1\n", "line 2 column epoch"},
		{CSVHeader + "\n1,\"0.5,0.8\n", "train: history"},
	} {
		if _, err := ReadCSV(strings.NewReader(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add(CSVHeader + "\n1,0.5,0.8,0.2,0.9,1,1,1,0.1\n")
	f.Add("epoch,train_loss,train_acc,test_loss,test_acc,seconds\n1,0.5,0.8,,,3.000\n")
	f.Fuzz(func(t *testing.T, s string) {
		stats, err := ReadCSV(strings.NewReader(s))
		if err == nil {
			for _, e := range stats {
				if e.Epoch < 1 {
					t.Fatalf("epoch %d accepted", e.Epoch)
				}
			}
		}
	})
}
