package train

import (
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Metrics accumulates classification results batch by batch: the loss,
// top-1 and top-5 hits and, when Classes > 0, the confusion matrix. Ties
// between logits rank the lower class index first, so top-1 is the first
// arg-max.
type Metrics struct {
	// Classes sizes Confusion; 0 means no confusion matrix is kept.
	Classes int
	Count   int     // examples seen
	LossSum float64 // sum over the examples of their mean batch loss
	Top1    int     // examples whose highest logit is the label
	Top5    int     // examples whose label is among the 5 highest logits (all of them when fewer)
	// Confusion[label][predicted] counts examples by true and top-1 class;
	// nil when Classes is 0.
	Confusion [][]int
}

// NewMetrics returns an empty accumulator with a classes×classes
// confusion matrix (none when classes is 0).
func NewMetrics(classes int) *Metrics {
	m := &Metrics{Classes: classes}
	if classes > 0 {
		m.Confusion = make([][]int, classes)
		for i := range m.Confusion {
			m.Confusion[i] = make([]int, classes)
		}
	}
	return m
}

// Loss is the mean loss per example; NaN-free: 0 before any example.
func (m *Metrics) Loss() float64 { return ratio(m.LossSum, m.Count) }

// Acc is the top-1 accuracy.
func (m *Metrics) Acc() float64 { return ratio(float64(m.Top1), m.Count) }

// Top5Acc is the top-5 accuracy.
func (m *Metrics) Top5Acc() float64 { return ratio(float64(m.Top5), m.Count) }

// ClassAcc returns, for each class, the share of its examples predicted
// as that class (the recall), and the number of its examples; a class
// without examples has accuracy 0.
func (m *Metrics) ClassAcc() (acc []float64, n []int) {
	acc, n = make([]float64, m.Classes), make([]int, m.Classes)
	for c, row := range m.Confusion {
		for _, v := range row {
			n[c] += v
		}
		acc[c] = ratio(float64(row[c]), n[c])
	}
	return acc, n
}

func ratio(a float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return a / float64(n)
}

// Add counts the first len(labels) rows of logits (rows × k, row-major).
// A label outside [0,k), or outside the confusion matrix, is an error.
func (m *Metrics) Add(logits any, k int, labels []int) error {
	switch x := logits.(type) {
	case []float32:
		return addRows(m, x, k, labels)
	case []float64:
		return addRows(m, x, k, labels)
	}
	return errors.Errorf("train: metrics: logits of type %T", logits)
}

// addValue counts the first len(labels) rows of a logits value.
func (m *Metrics) addValue(v G.Value, labels []int) error {
	d, ok := v.(*tensor.Dense)
	if !ok || d.Dims() != 2 {
		return errors.Errorf("train: logits value %v, want a matrix", v)
	}
	return m.Add(d.Data(), d.Shape()[1], labels)
}

func addRows[T float](m *Metrics, x []T, k int, labels []int) error {
	if k <= 0 || len(x) < len(labels)*k {
		return errors.Errorf("train: metrics: %d logits for %d rows of %d classes", len(x), len(labels), k)
	}
	if m.Confusion != nil && k > m.Classes {
		return errors.Errorf("train: metrics: the model outputs %d classes, the confusion matrix has %d", k, m.Classes)
	}
	for i, y := range labels {
		if y < 0 || y >= k {
			return errors.Errorf("train: metrics: row %d has label %d, the model outputs %d classes", i, y, k)
		}
		row := x[i*k : (i+1)*k]
		best, rank := 0, 0 // rank: classes ranked above the label
		for j, v := range row {
			if v > row[best] {
				best = j
			}
			if v > row[y] || (v == row[y] && j < y) {
				rank++
			}
		}
		m.Count++
		if best == y {
			m.Top1++
		}
		if rank < 5 {
			m.Top5++
		}
		if m.Confusion != nil {
			m.Confusion[y][best]++
		}
	}
	return nil
}
