package dist

import (
	"fmt"
	"sync"

	"github.com/pkg/errors"
)

// NewLocal returns the n ranks of an in-process group, for tests and for
// data parallelism inside one process without MPI: run each rank's
// program on its own goroutine with its Comm.
//
// Summation order: an Allreduce adds the ranks' buffers in rank order,
// ((b0 + b1) + b2) + ..., once, and copies the sum to every rank, so all
// ranks get bit-identical results. With 2 ranks this is exactly what MPI
// gives (each element is b0+b1, and float addition is commutative); with
// more ranks Open MPI's algorithms (recursive doubling, ring) may add in
// another order, which changes the last bits of a float32 sum.
//
// A mismatch — ranks calling different collectives, or with buffers of
// different lengths or roots — is an error on every rank of that call.
// Abort does not end the process: it makes every waiting and later call
// of the group fail with an error naming the aborting rank.
func NewLocal(n int) ([]Comm, error) {
	if n < 1 {
		return nil, errors.Errorf("dist: NewLocal: %d ranks", n)
	}
	g := &group{n: n, bufs: make([]any, n)}
	g.cond = sync.NewCond(&g.mu)
	cs := make([]Comm, n)
	for r := range cs {
		cs[r] = &local{g: g, rank: r}
	}
	return cs, nil
}

type local struct {
	g    *group
	rank int
}

// call describes one collective call, to check that all ranks agree.
type call struct {
	op   string // "allreduce", "bcast", "barrier"
	typ  string // element type
	n    int    // buffer length
	root int
}

func (c call) String() string {
	return fmt.Sprintf("%s(%s, len %d, root %d)", c.op, c.typ, c.n, c.root)
}

type group struct {
	mu      sync.Mutex
	cond    *sync.Cond
	n       int
	gen     uint64 // completed collectives
	arrived int    // ranks in the current collective
	cur     call   // the first arrival's call
	curErr  error  // mismatch found in the current collective
	doneErr error  // result of the last completed collective
	bufs    []any  // per rank buffers of the current collective

	aborted         bool
	abortRank, code int
}

func (c *local) Rank() int { return c.rank }
func (c *local) Size() int { return c.g.n }

func (c *local) AllreduceFloat32(buf []float32) error {
	return c.g.do(c.rank, call{"allreduce", "float32", len(buf), 0}, buf)
}

func (c *local) AllreduceFloat64(buf []float64) error {
	return c.g.do(c.rank, call{"allreduce", "float64", len(buf), 0}, buf)
}

func (c *local) BcastFloat32(buf []float32, root int) error {
	if err := CheckRoot(root, c.g.n); err != nil {
		return err
	}
	return c.g.do(c.rank, call{"bcast", "float32", len(buf), root}, buf)
}

func (c *local) BcastFloat64(buf []float64, root int) error {
	if err := CheckRoot(root, c.g.n); err != nil {
		return err
	}
	return c.g.do(c.rank, call{"bcast", "float64", len(buf), root}, buf)
}

func (c *local) Barrier() error { return c.g.do(c.rank, call{op: "barrier"}, nil) }

func (c *local) Abort(code int) {
	g := c.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.aborted {
		g.aborted, g.abortRank, g.code = true, c.rank, code
	}
	g.cond.Broadcast()
}

func (g *group) abortErr() error {
	return errors.Errorf("dist: rank %d aborted the job with code %d", g.abortRank, g.code)
}

// do runs one collective: the last rank to arrive does the work for all.
func (g *group) do(rank int, c call, buf any) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.aborted {
		return g.abortErr()
	}
	if g.arrived == 0 {
		g.cur, g.curErr = c, nil
	} else if c != g.cur && g.curErr == nil {
		g.curErr = errors.Errorf("dist: collective mismatch: rank %d called %v, another rank %v", rank, c, g.cur)
	}
	g.bufs[rank] = buf
	g.arrived++
	if g.arrived == g.n {
		if g.curErr == nil {
			g.run(c)
		}
		g.doneErr = g.curErr
		clear(g.bufs)
		g.arrived = 0
		g.gen++
		g.cond.Broadcast()
		return g.doneErr
	}
	gen := g.gen
	for g.gen == gen && !g.aborted {
		g.cond.Wait()
	}
	if g.gen == gen {
		return g.abortErr()
	}
	return g.doneErr
}

func (g *group) run(c call) {
	switch c.op {
	case "allreduce":
		if c.typ == "float32" {
			sumInto[float32](g.bufs)
		} else {
			sumInto[float64](g.bufs)
		}
	case "bcast":
		if c.typ == "float32" {
			bcastFrom[float32](g.bufs, c.root)
		} else {
			bcastFrom[float64](g.bufs, c.root)
		}
	}
}

// sumInto adds the buffers in rank order into the first and copies the
// sum to the others.
func sumInto[T Float](bufs []any) {
	s := bufs[0].([]T)
	for _, b := range bufs[1:] {
		for i, v := range b.([]T) {
			s[i] += v
		}
	}
	for _, b := range bufs[1:] {
		copy(b.([]T), s)
	}
}

func bcastFrom[T Float](bufs []any, root int) {
	src := bufs[root].([]T)
	for r, b := range bufs {
		if r != root {
			copy(b.([]T), src)
		}
	}
}
