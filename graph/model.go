package graph

import (
	G "gorgonia.org/gorgonia"
)

// A Model adds its layers to b, reading x (N,C,H,W), and returns the
// logits (N,classes). Building the same Model twice over one Params store
// (a training graph and an evaluation graph) gives two graphs that share
// every weight.
type Model func(b *Builder, x *G.Node) *G.Node

// An Aux is an auxiliary output (GoogLeNet's side classifiers): its
// logits join the training loss with the given weight.
type Aux struct {
	Logits *G.Node
	Weight float64
}

// AddAux registers auxiliary logits whose cross-entropy the trainer adds
// to the loss, scaled by weight. Models add them in training graphs only.
func (b *Builder) AddAux(logits *G.Node, weight float64) {
	if b.s.err == nil && logits != nil {
		b.s.aux = append(b.s.aux, Aux{Logits: logits, Weight: weight})
	}
}

// Aux lists the auxiliary outputs registered so far.
func (b *Builder) Aux() []Aux { return append([]Aux(nil), b.s.aux...) }
