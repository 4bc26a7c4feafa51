package train

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/pkg/errors"
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

// ReadCSV reads a history written by WriteCSV, by column name: the first
// six columns are required, the later ones optional (NaN when absent, as
// in files of the first version); unknown columns are skipped. Empty
// fields are NaN. Errors name the line and column.
func ReadCSV(r io.Reader) ([]EpochStats, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("train: history: empty file, want the header " + CSVHeader)
	}
	if err != nil {
		return nil, errors.Wrap(err, "train: history")
	}
	col := map[string]int{}
	for i, name := range header {
		col[strings.TrimSpace(name)] = i
	}
	for _, name := range strings.Split(CSVHeader, ",")[:6] {
		if _, ok := col[name]; !ok {
			return nil, errors.Errorf("train: history: line 1: no column %q (header %q)", name, strings.Join(header, ","))
		}
	}
	var out []EpochStats
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, errors.Wrap(err, "train: history")
		}
		if len(rec) != len(header) {
			return nil, errors.Errorf("train: history: line %d has %d fields, the header %d", line, len(rec), len(header))
		}
		field := func(name string) (float64, error) {
			i, ok := col[name]
			if !ok || strings.TrimSpace(rec[i]) == "" {
				return math.NaN(), nil
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[i]), 64)
			if err != nil {
				return 0, errors.Errorf("train: history: line %d column %s: %q is not a number", line, name, rec[i])
			}
			return v, nil
		}
		var e EpochStats
		dst := []*float64{&e.TrainLoss, &e.TrainAcc, &e.TestLoss, &e.TestAcc, &e.Seconds, &e.TrainTop5, &e.TestTop5, &e.LR}
		for i, name := range strings.Split(CSVHeader, ",")[1:] {
			if *dst[i], err = field(name); err != nil {
				return nil, err
			}
		}
		ep, err := strconv.Atoi(strings.TrimSpace(rec[col["epoch"]]))
		if err != nil || ep < 1 {
			return nil, errors.Errorf("train: history: line %d column epoch: %q is not an epoch number", line, rec[col["epoch"]])
		}
		e.Epoch = ep
		out = append(out, e)
	}
}
