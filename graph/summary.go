package graph

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A Layer is the record of one layer call, for the summary.
type Layer struct {
	Name   string       // full name, e.g. "layer1.0.conv1"
	Type   string       // e.g. "Conv2d"
	Output tensor.Shape // output shape
	Params int          // scalars of the parameters and buffers it bound
}

// Layers lists the layers added so far, in order.
func (b *Builder) Layers() []Layer { return append([]Layer(nil), b.s.layers...) }

// record notes a layer whose output is out, with the parameters bound
// since the previous record.
func (b *Builder) record(name, typ string, out *G.Node) {
	if out == nil || b.s.err != nil {
		return
	}
	b.s.layers = append(b.s.layers, Layer{Name: b.Name(name), Type: typ, Output: out.Shape().Clone(), Params: b.s.counting})
	b.s.counting = 0
}

// Counts returns the trainable and the total number of scalars bound in
// this graph (parameters and buffers).
func (b *Builder) Counts() (trainable, total int) {
	for name := range b.s.bound {
		p, _ := b.s.params.Get(name)
		if p == nil {
			continue
		}
		total += p.Size()
		if p.Trainable {
			trainable += p.Size()
		}
	}
	return trainable, total
}

// Summary writes a Keras-style table of the layers (name, type, output
// shape, parameters) followed by the lines "Total params: N",
// "Trainable params: N" and "Non-trainable params: N". Non-trainable
// parameters are batch norm running statistics.
func (b *Builder) Summary(w io.Writer) error {
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Layer (type)\tOutput Shape\tParam #")
	for _, l := range b.s.layers {
		fmt.Fprintf(tw, "%s (%s)\t%s\t%s\n", l.Name, l.Type, shapeString(l.Output), Thousands(l.Params))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	rule := strings.Repeat("─", 72)
	head, rows, _ := strings.Cut(table.String(), "\n")
	tr, total := b.Counts()
	_, err := fmt.Fprintf(w, "%s\n%s\n%s%s\nTotal params: %s\nTrainable params: %s\nNon-trainable params: %s\n",
		head, rule, rows, rule, Thousands(total), Thousands(tr), Thousands(total-tr))
	return err
}

// SummaryString is Summary into a string.
func (b *Builder) SummaryString() string {
	var sb strings.Builder
	b.Summary(&sb) //nolint:errcheck // strings.Builder does not fail
	return sb.String()
}

func shapeString(s tensor.Shape) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Thousands formats n with commas: 61706 -> "61,706".
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// Dot returns the graph in Graphviz dot format.
func (b *Builder) Dot() string { return b.s.g.ToDot() }
