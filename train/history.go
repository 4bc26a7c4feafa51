package train

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/convzoo/convzoo/graph"
)

// EpochStats are the results of one epoch. TrainLoss, TrainAcc and
// TrainTop5 are means over the epoch's training steps (in training mode);
// the test values are NaN when Fit has no test set. Seconds includes
// evaluation. LR is the learning rate of the epoch's first step.
type EpochStats struct {
	Epoch                                           int
	TrainLoss, TrainAcc, TestLoss, TestAcc, Seconds float64
	TrainTop5, TestTop5                             float64 // top-5 accuracies
	LR                                              float64
}

// CSVHeader is the first line CSVHistory writes. Its first six columns
// are those of the first version of the format; later columns are only
// ever appended.
const CSVHeader = "epoch,train_loss,train_acc,test_loss,test_acc,seconds,train_top5,test_top5,lr"

// CSVHistory writes every epoch's statistics to path as CSV, one row per
// epoch after CSVHeader, rewriting the whole file atomically at the end of
// each epoch, so the file is always complete. Missing test values are
// empty fields.
func CSVHistory(path string) Hook {
	return HookFuncs{EpochEnd: func(s *State) error {
		return graph.WriteFileAtomic(path, func(w io.Writer) error { return WriteCSV(w, s.Epochs) })
	}}
}

// WriteCSV writes stats as CSVHistory does.
func WriteCSV(w io.Writer, stats []EpochStats) error {
	if _, err := fmt.Fprintln(w, CSVHeader); err != nil {
		return err
	}
	for _, e := range stats {
		if _, err := fmt.Fprintf(w, "%d,%s,%s,%s,%s,%s,%s,%s,%s\n", e.Epoch, num(e.TrainLoss), num(e.TrainAcc),
			num(e.TestLoss), num(e.TestAcc), strconv.FormatFloat(e.Seconds, 'f', 3, 64),
			num(e.TrainTop5), num(e.TestTop5), num(e.LR)); err != nil {
			return err
		}
	}
	return nil
}

func num(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', 8, 64)
}
