package main

import (
	"encoding/csv"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/convzoo/convzoo/train"
	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// classNames returns names[i] for the k classes, "class i" where names
// lacks one.
func classNames(names []string, k int) []string {
	out := make([]string, k)
	for i := range out {
		if i < len(names) && names[i] != "" {
			out[i] = names[i]
		} else {
			out[i] = "class " + strconv.Itoa(i)
		}
	}
	return out
}

// writeConfusion writes m's confusion matrix to path: CSV (rows: true
// class, columns: predicted class, with a header row and column of class
// names) for .csv, a heat map of each true class's shares for .png.
func writeConfusion(path string, m *train.Metrics, names []string) error {
	names = classNames(names, m.Classes)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return safefile.Write(path, func(w io.Writer) error { return confusionCSV(w, m, names) })
	case ".png":
		side := min(max(400, 60*m.Classes+200), 4000)
		p, err := confusionPlot(m, names)
		if err != nil {
			return err
		}
		return savePNG(path, side, side, p)
	}
	return errors.Errorf("--confusion %s: want a .csv or .png file name", path)
}

func confusionCSV(w io.Writer, m *train.Metrics, names []string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append([]string{`true\predicted`}, names...)); err != nil {
		return err
	}
	for i, row := range m.Confusion {
		rec := []string{names[i]}
		for _, v := range row {
			rec = append(rec, strconv.Itoa(v))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// confusionGrid is the matrix as a heat map grid: each cell the share of
// its true class (row) predicted as its column, true classes top down.
type confusionGrid struct {
	m     *train.Metrics
	count []int
}

func (g confusionGrid) Dims() (c, r int) { return g.m.Classes, g.m.Classes }
func (g confusionGrid) X(c int) float64  { return float64(c) }
func (g confusionGrid) Y(r int) float64  { return float64(r) }
func (g confusionGrid) Z(c, r int) float64 {
	t := g.m.Classes - 1 - r
	if g.count[t] == 0 {
		return 0
	}
	return float64(g.m.Confusion[t][c]) / float64(g.count[t])
}

func confusionPlot(m *train.Metrics, names []string) (*plot.Plot, error) {
	_, count := m.ClassAcc()
	g := confusionGrid{m: m, count: count}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Confusion matrix (%d examples, accuracy %.2f%%)", m.Count, 100*m.Acc())
	p.X.Label.Text, p.Y.Label.Text = "predicted", "true"
	h := plotter.NewHeatMap(g, blues(64))
	h.Min, h.Max = 0, 1
	p.Add(h)
	var xt, yt plot.ConstantTicks
	for i, n := range names {
		xt = append(xt, plot.Tick{Value: float64(i), Label: n})
		yt = append(yt, plot.Tick{Value: float64(m.Classes - 1 - i), Label: n})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = xt, yt
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = -1, -0.5
	if m.Classes <= 20 { // the counts, readable at this size
		var xys plotter.XYs
		var labels []string
		var dark []bool
		for r := 0; r < m.Classes; r++ {
			for c := 0; c < m.Classes; c++ {
				xys = append(xys, plotter.XY{X: float64(c), Y: float64(m.Classes - 1 - r)})
				labels = append(labels, strconv.Itoa(m.Confusion[r][c]))
				dark = append(dark, g.Z(c, m.Classes-1-r) > 0.5)
			}
		}
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
		if err != nil {
			return nil, errors.Wrap(err, "confusion matrix labels")
		}
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = -0.5, -0.5
			l.TextStyle[i].Color = color.Black
			if dark[i] {
				l.TextStyle[i].Color = color.White
			}
		}
		p.Add(l)
	}
	return p, nil
}

// classReport is the per-class accuracy table zoo eval prints.
func classReport(w io.Writer, m *train.Metrics, names []string) {
	names = classNames(names, m.Classes)
	acc, n := m.ClassAcc()
	width := 5
	for _, s := range names {
		width = max(width, len(s))
	}
	fmt.Fprintf(w, "%-*s  %8s  %s\n", width, "class", "accuracy", "examples")
	for i := range names {
		if n[i] == 0 {
			continue
		}
		fmt.Fprintf(w, "%-*s  %7.2f%%  %d\n", width, names[i], 100*acc[i], n[i])
	}
}

// blues is a palette of n colours from white to dark blue.
type blues int

func (n blues) Colors() []color.Color {
	cs := make([]color.Color, n)
	for i := range cs {
		t := float64(i) / float64(max(int(n)-1, 1))
		lerp := func(a, b float64) uint8 { return uint8(math.Round(a + t*(b-a))) }
		cs[i] = color.RGBA{R: lerp(255, 8), G: lerp(255, 48), B: lerp(255, 107), A: 255}
	}
	return cs
}
