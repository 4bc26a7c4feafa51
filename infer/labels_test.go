package infer

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/zoo"
)

// With Labels and no Classes, the model gets one class a label; weights
// of another number of classes were refused with only the fc shapes, and
// nothing said that the labels had set them.
func TestLabelsSetClassesErrorSaysSo(t *testing.T) {
	spec, err := zoo.Get("lenet")
	if err != nil {
		t.Fatal(err)
	}
	ps := graph.NewParams()
	net, err := graph.Compile(spec.New(zoo.Config{Classes: 10}), ps, graph.CompileConfig{Batch: 1, Input: []int{1, 28, 28}})
	if err != nil {
		t.Fatal(err)
	}
	net.Close()
	w := filepath.Join(t.TempDir(), "lenet.safetensors")
	if err := ps.Save(w, nil); err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Model: "lenet", Weights: w, Labels: []string{"a", "b", "c", "d", "e"}})
	if err == nil {
		p.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "5 classes, one per label") || !strings.Contains(err.Error(), w) {
		t.Fatalf("10-class weights with 5 labels: %v, want an error naming the file and saying the labels set 5 classes", err)
	}
	p, err = New(Config{Model: "lenet", Weights: w, Labels: strings.Split("0 1 2 3 4 5 6 7 8 9", " ")})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
}
