package train

import (
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/data"
	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/zoo"
	"gorgonia.org/tensor"
)

// TestMemoryBreakdown prints where the bytes of a training step go: the
// node values by op (forward or gradient; a buffer shared by a plan counts
// once, for the first node that holds it), the buffer plan, the heap.
// CONVZOO_MEM=model,batch,size[,noplan] (e.g. resnet20,64,32) runs it;
// add -memprofile for the rest of the heap (columns, scratch).
func TestMemoryBreakdown(t *testing.T) {
	env := os.Getenv("CONVZOO_MEM")
	if env == "" {
		t.Skip("set CONVZOO_MEM=model,batch,size")
	}
	f := strings.Split(env, ",")
	batch, _ := strconv.Atoi(f[1])
	size, _ := strconv.Atoi(f[2])
	spec, err := zoo.Get(f[0])
	if err != nil {
		t.Fatal(err)
	}
	c := spec.Input[0]
	noPlan := len(f) > 3 && f[3] == "noplan"
	s, err := CompileStep(spec.New(zoo.Config{}), graph.NewParams(), StepConfig{Batch: batch, Input: []int{c, size, size}, Seed: 1, noPlan: noPlan})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	b := &data.Batch{X: make([]float32, batch*c*size*size), Labels: make([]int, batch), N: batch}
	for i := range b.X {
		b.X[i] = rng.Float32()
	}
	var ms0, ms1 runtime.MemStats
	for i := range 3 {
		if i == 2 {
			runtime.GC()
			runtime.ReadMemStats(&ms0)
		}
		if _, err := s.Run(b); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&ms1)
	fmt.Printf("per-step allocation: %.1f MB in %d objects\n", float64(ms1.TotalAlloc-ms0.TotalAlloc)/1e6, ms1.Mallocs-ms0.Mallocs)
	lossID := s.n.loss.ID()
	seen := map[uintptr]bool{}
	type row struct {
		k     string
		bytes int64
		n     int
	}
	rows := map[string]*row{}
	var total int64
	for _, n := range s.n.b.Graph().AllNodes() {
		d, ok := n.Value().(*tensor.Dense)
		if !ok || n.IsScalar() {
			continue
		}
		p := d.Uintptr()
		if seen[p] {
			continue
		}
		seen[p] = true
		kind := "fwd"
		if n.ID() > lossID {
			kind = "grad"
		}
		op := "input/param"
		if n.Op() != nil {
			op = n.Op().String()
			if i := strings.IndexAny(op, "( "); i > 0 {
				op = op[:i]
			}
		} else if n.IsVar() {
			kind = "leaf"
		}
		k := kind + " " + op
		if rows[k] == nil {
			rows[k] = &row{k: k}
		}
		bytes := int64(d.MemSize())
		rows[k].bytes += bytes
		rows[k].n++
		total += bytes
	}
	var rs []*row
	for _, r := range rows {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].bytes > rs[j].bytes })
	for _, r := range rs {
		fmt.Printf("%-40s %5d values %8.1f MB\n", r.k, r.n, float64(r.bytes)/1e6)
	}
	fmt.Printf("node values total %.1f MB; heap in use %.1f MB, sys %.1f MB\n", float64(total)/1e6, float64(ms1.HeapInuse)/1e6, float64(ms1.Sys)/1e6)
	fmt.Printf("buffer plan: %d values of %.1f MB in a slab of %.1f MB\n", s.n.plan.Values, float64(s.n.plan.Bytes)/1e6, float64(s.n.plan.Slab)/1e6)
}
