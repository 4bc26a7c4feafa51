package train

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/pkg/errors"
)

// EpochStats are the results of one epoch. TrainLoss and TrainAcc are
// means over the epoch's training steps (in training mode); TestLoss and
// TestAcc are NaN when Fit has no test set. Seconds includes evaluation.
type EpochStats struct {
	Epoch                                           int
	TrainLoss, TrainAcc, TestLoss, TestAcc, Seconds float64
}

// CSVHeader is the first line CSVHistory writes.
const CSVHeader = "epoch,train_loss,train_acc,test_loss,test_acc,seconds"

// CSVHistory writes every epoch's statistics to path as CSV, one row per
// epoch after CSVHeader, rewriting the whole file atomically at the end of
// each epoch, so the file is always complete. Missing test values are
// empty fields. A symbolic link is followed; a device or other special
// file is refused (safefile.Write).
func CSVHistory(path string) Hook {
	return HookFuncs{EpochEnd: func(s *State) error {
		if err := safefile.Write(path, func(w io.Writer) error { return WriteCSV(w, s.Epochs) }); err != nil {
			return errors.Wrap(err, "train: history")
		}
		return nil
	}}
}

// WriteCSV writes stats as CSVHistory does.
func WriteCSV(w io.Writer, stats []EpochStats) error {
	if _, err := fmt.Fprintln(w, CSVHeader); err != nil {
		return err
	}
	for _, e := range stats {
		if _, err := fmt.Fprintf(w, "%d,%s,%s,%s,%s,%s\n", e.Epoch, num(e.TrainLoss), num(e.TrainAcc),
			num(e.TestLoss), num(e.TestAcc), strconv.FormatFloat(e.Seconds, 'f', 3, 64)); err != nil {
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
