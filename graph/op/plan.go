package op

import (
	"sort"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A buffer plan gives the custom ops of one compiled graph their output
// buffers as slices of one shared slab per dtype, so that two values share
// bytes when they are never live at once in the program's order: a
// gradient is dead once the next one down the chain has read it, and only
// what the backward pass reads of the forward pass stays. Without a plan
// every op owns its output for the life of the graph (every activation and
// every gradient at once).
//
// A value is live from the op that writes it to the last op that reads it,
// or to the end of the program when it is kept (read after the run: the
// gradients an optimizer applies). The plan follows every way a value can
// outlive its node:
//   - an in-place op (OverwritesInput 0) whose register is its first
//     input's writes over that input: one value for both nodes;
//   - a Gorgonia op with a tensor output (Reshape, Concat, the Add that
//     sums gradients) may return a view of its inputs or write over its
//     first, and one with UsePreallocDo writes into the value its register
//     held before: those values then live as long as its output does.
//
// The kernels of a planned graph also share their per-worker scratch (the
// im2col buffers of every convolution): the machine runs one op at a time.

// PlanStats describes a plan.
type PlanStats struct {
	Values int   // planned values (non-scalar outputs of custom ops)
	Bytes  int64 // their sizes summed: what the ops own without a plan
	Slab   int64 // bytes of the shared slabs
}

// slabAlign aligns every planned value to 16 elements (64 bytes).
const slabAlign = 16

// PlanBuffers plans the output buffers of the custom ops of a compiled
// graph. order is the program's order of its nodes (Gorgonia's Compile
// runs the reverse of Sort), reg the register of each node (Compile's
// location map: nodes on one register may reuse one value), keep the
// nodes whose values are read after the run. Call it once, before the
// first run; the graph must then run on that program alone.
func PlanBuffers[R comparable](order G.Nodes, reg map[*G.Node]R, keep G.Nodes) (PlanStats, error) {
	pos := make(map[*G.Node]int, len(order))
	for i, n := range order {
		pos[n] = i
	}
	var (
		vals []*planned
		// aliases[n]: the planned values node n's value may be or view.
		aliases = make(map[*G.Node][]*planned, len(order))
		// held[r]: the planned values the last node on register r may be.
		held   = map[R][]*planned{}
		shared = &scratchPools{}
	)
	for i, n := range order {
		if n.Op() == nil {
			continue // inputs, parameters, constants
		}
		var as []*planned
		op, custom := n.Op().(*customOp)
		kids := children(n)
		if s, ok := opKernel(n).(scratchSharer); ok {
			s.shareScratch(shared)
		}
		switch {
		case custom && op.OverwritesInput() == 0 && len(kids) > 0 && sameRegister(reg, n, kids[0]):
			as = aliases[kids[0]] // written over its first input
		case custom && !n.IsScalar():
			v := &planned{op: op, shape: n.Shape().Clone(), dt: n.Dtype(), def: i, end: i}
			vals = append(vals, v)
			as = []*planned{v}
		case !custom && !n.IsScalar():
			for _, c := range kids {
				as = append(as, aliases[c]...)
			}
			if _, ok := n.Op().(G.UsePreallocDoer); ok {
				if r, ok := reg[n]; ok {
					as = append(as, held[r]...)
				}
			}
		}
		aliases[n] = as
		if r, ok := reg[n]; ok {
			held[r] = as
		}
	}
	// Stretch every value to the last use of every node that may hold it.
	for _, n := range order {
		end := pos[n]
		for it := n.Graph().To(n.ID()); it.Next(); {
			if j, ok := pos[it.Node().(*G.Node)]; ok && j > end {
				end = j
			}
		}
		for _, v := range aliases[n] {
			v.end = max(v.end, end)
		}
	}
	for _, n := range keep {
		if _, ok := pos[n]; !ok {
			return PlanStats{}, errors.Errorf("op: PlanBuffers: kept node %v is not in the program", n)
		}
		for _, v := range aliases[n] {
			v.end = len(order)
		}
	}
	return place(vals)
}

// planned is one custom op's output in a plan: live in [def, end] of the
// program's order, at offset elements into its dtype's slab.
type planned struct {
	op       *customOp
	shape    tensor.Shape
	dt       tensor.Dtype
	def, end int
	offset   int
}

// place gives each value the lowest offset in its dtype's slab where it
// meets no value it is live with (largest values first), then makes the
// slabs and the ops' output tensors.
func place(vals []*planned) (PlanStats, error) {
	st := PlanStats{Values: len(vals)}
	sort.SliceStable(vals, func(i, j int) bool { return vals[i].shape.TotalSize() > vals[j].shape.TotalSize() })
	size := map[tensor.Dtype]int{}
	var done []*planned
	for _, v := range vals {
		if v.dt != tensor.Float32 && v.dt != tensor.Float64 {
			return PlanStats{}, errors.Errorf("op: PlanBuffers: %s has dtype %v (want float32 or float64)", v.op.k.name(), v.dt)
		}
		n := v.shape.TotalSize()
		st.Bytes += int64(n) * int64(v.dt.Size())
		// The values live with v, by offset.
		var busy []*planned
		for _, u := range done {
			if u.dt == v.dt && u.def <= v.end && v.def <= u.end {
				busy = append(busy, u)
			}
		}
		sort.Slice(busy, func(i, j int) bool { return busy[i].offset < busy[j].offset })
		off := 0
		for _, u := range busy {
			if off+n <= u.offset {
				break
			}
			off = max(off, alignUp(u.offset+u.shape.TotalSize()))
		}
		v.offset = off
		size[v.dt] = max(size[v.dt], alignUp(off+n))
		done = append(done, v)
	}
	slab32 := make([]float32, size[tensor.Float32])
	slab64 := make([]float64, size[tensor.Float64])
	for _, v := range vals {
		lo, hi := v.offset, v.offset+v.shape.TotalSize()
		var back any
		if v.dt == tensor.Float64 {
			back = slab64[lo:hi:hi]
		} else {
			back = slab32[lo:hi:hi]
		}
		v.op.out = tensor.New(tensor.WithShape(v.shape...), tensor.WithBacking(back))
	}
	st.Slab = int64(len(slab32))*4 + int64(len(slab64))*8
	return st, nil
}

func alignUp(n int) int { return (n + slabAlign - 1) / slabAlign * slabAlign }

// sameRegister reports whether a and b have one register.
func sameRegister[R comparable](reg map[*G.Node]R, a, b *G.Node) bool {
	ra, ok := reg[a]
	rb, okb := reg[b]
	return ok && okb && ra == rb
}

// children lists n's inputs in order.
func children(n *G.Node) G.Nodes {
	var ns G.Nodes
	for it := n.Graph().From(n.ID()); it.Next(); {
		ns = append(ns, it.Node().(*G.Node))
	}
	return ns
}

// opKernel is n's kernel when n is a custom op's node.
func opKernel(n *G.Node) kernel {
	if op, ok := n.Op().(*customOp); ok {
		return op.k
	}
	return nil
}

// scratchPools are the per-worker buffers shared by the kernels of one
// planned graph, one set per role that a kernel uses at the same time as
// another (columns, and a weight gradient's partial sums).
type scratchPools struct {
	cols32, part32 [][]float32
	cols64, part64 [][]float64
	wino           winogradBufs
}

// winogradBufs are the per-worker buffers of a Winograd forward or data
// gradient (winograd.v, m and strip, borrowed in tilesPass), shared by
// the kernels of a planned graph.
type winogradBufs struct{ v, m, strip [][]float32 }

// scratchSharer is a kernel whose scratch a plan can share.
type scratchSharer interface{ shareScratch(p *scratchPools) }

func (k *convKernel) shareScratch(p *scratchPools) {
	k.s32.pool, k.s64.pool, k.wino.pool = &p.cols32, &p.cols64, &p.wino
}

func (k *convFusedKernel) shareScratch(p *scratchPools) { k.conv.shareScratch(p) }

func (k *convWGrad) shareScratch(p *scratchPools) {
	k.p32.pool, k.p64.pool = &p.part32, &p.part64
}
