package graph_test

import (
	"math/rand"
	"runtime"
	"slices"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/zoo"
	"gorgonia.org/tensor"
)

// TestPlannedNetBitIdentical compiles zoo models with the buffer plan
// (the default) and without it over one store, fused and unfused, and
// checks that two Forward calls on different inputs give the same logits
// to the bit: a value that the plan let another overwrite while it was
// still to be read would show. Under -short only the small models run.
func TestPlannedNetBitIdentical(t *testing.T) {
	for _, c := range smallZoo("lenet", "resnet20", "resnet18", "googlenet", "alexnet") {
		s, size := c.spec, c.size
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			if dt == tensor.Float64 && s.Name != "resnet18" && s.Name != "googlenet" {
				continue
			}
			for _, noFuse := range []bool{false, true} {
				name := s.Name + "/" + dt.String()
				if noFuse {
					name += "/unfused"
				}
				t.Run(name, func(t *testing.T) {
					ps := graph.NewParams()
					cfg := graph.CompileConfig{Batch: 2, Input: []int{s.Input[0], size, size}, Dtype: dt, NoFuse: noFuse}
					planned, err := graph.Compile(s.New(zoo.Config{Classes: 7}), ps, cfg)
					if err != nil {
						t.Fatal(err)
					}
					defer planned.Close()
					cfg.NoPlan = true
					plain, err := graph.Compile(s.New(zoo.Config{Classes: 7}), ps, cfg)
					if err != nil {
						t.Fatal(err)
					}
					defer plain.Close()
					rng := rand.New(rand.NewSource(3))
					randomizeNorms(ps, rng)
					for call := range 2 {
						in := randInput(rng, dt, 2, s.Input[0], size, size)
						if e := logitsDiff(t, planned, plain, in); e != 0 {
							t.Fatalf("call %d: planned vs unplanned logits differ: rel %g", call, e)
						}
					}
				})
				runtime.GC()
			}
		}
	}
}

// zooCase is a zoo model and the image size a Net test runs it at.
type zooCase struct {
	spec zoo.Spec
	size int
}

// smallZoo lists every zoo model, or under -short only those named, each
// at its own image size but at most 32 (64 for AlexNet, whose five
// poolings need 63 pixels).
func smallZoo(short ...string) []zooCase {
	var cs []zooCase
	for _, s := range zoo.Specs() {
		if testing.Short() && !slices.Contains(short, s.Name) {
			continue
		}
		size := min(s.Input[1], 32)
		if s.Family == "AlexNet" {
			size = 64
		}
		cs = append(cs, zooCase{s, size})
	}
	return cs
}
