package op

import (
	"bytes"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/convzoo/convzoo/graph/op/internal/gemm"
)

// Winograd F(2×2,3×3) (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2015) for float32 3×3 convolutions with stride and
// dilation 1. The output is cut into 2×2 tiles, each computed from the
// 4×4 input patch under it:
//
//	Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// g being a 3×3 filter, d a 4×4 input patch. Summed over the input
// channels, the element-wise product becomes 16 independent GEMMs, one per
// position ξ of the 4×4 transformed tile:
//
//	M[ξ] (O × tiles) = U[ξ] (O × C) · V[ξ] (C × tiles)
//
// where U = G g Gᵀ is computed once per call where the weights changed
// (every training step; the cost is O(weights); see holds) and
// V = Bᵀ d B per tile.
// The 16 GEMMs do 16 multiply-adds per tile, channel pair where im2col's
// GEMM does 36: 2.25 times fewer. The transforms cost O(tiles × channels)
// adds, so the scheme pays where the channels are many (see
// useWinograd).
//
// The tiles of the whole batch are numbered in one sequence and cut into
// chunks; each worker transforms, multiplies and transforms back its own
// chunks in buffers of its own, sized for a chunk so that they stay in
// cache. F(4×4,3×3) runs on the same machinery with its own transforms
// (winograd4.go; winogradTile chooses).

// winogradMode forces the choice of useWinograd (tests).
type winogradMode int

const (
	winogradAuto winogradMode = iota
	winogradAlways
	winogradNever
)

var winogradUse = winogradAuto

// winogradSIMD: the transforms of 8 tiles side by side run in assembly
// (winograd_amd64.s); tests turn it off to check the scalar ones.
var winogradSIMD = hasWinogradSIMD

// winogradChunk is the most tiles one worker transforms and multiplies
// at a time.
const winogradChunk = 128

// winogradFits reports whether g is a convolution the Winograd path
// computes: 3×3, stride 1, dilation 1.
func winogradFits(g *convGeom) bool {
	return g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1
}

// useWinograd reports whether the float32 forward of g over a batch of n
// takes the Winograd path: with 16 channels or more in and out, and,
// below 64 input channels, 256 tiles or more (the transforms cost per
// tile and channel, the filters' per call: the 16 GEMMs must be worth
// them). BenchmarkWinograd, minimum of 5 runs each, 2 workers, ms:
//
//	batch/in/size/out   im2col  Winograd (new weights each call)
//	1/64/56/64            8.00    4.04      resnet18/34
//	1/128/28/128          7.15    3.53
//	1/256/14/256         16.10    7.77
//	1/512/7/512          17.79    4.62
//	1/64/224/64         249.25  101.12      vgg16
//	1/128/112/128       206.52  118.79
//	1/256/56/256        229.96   96.84
//	1/512/28/512        170.59  104.07
//	1/512/14/512         33.43    9.72
//	1/64/56/192          23.81    5.38      googlenet
//	1/96/28/128           3.58    1.71
//	1/16/28/32            0.20    0.21
//	1/128/14/256          3.07    1.99
//	1/32/14/64            0.20    0.28
//	1/160/7/320           1.94    0.97
//	64/16/32/16          22.17   14.05 (23.43)   resnet20 b64
//	64/32/16/32           5.93    3.98 (5.91)
//	64/64/8/64           10.39    6.56 (5.30)
//	8/64/56/64          117.78   60.04 (37.45)   resnet18 b8
//	8/256/14/256         63.40   38.60 (53.09)
//
// (a box shared with other jobs: single runs vary by 2x; resnet20's
// training step, zoo bench, alternated: median 1446 ms with Winograd
// from 16 channels, 1901 from 64 only, 1870 without).
func useWinograd(g *convGeom, n int) bool {
	if !winogradFits(g) || winogradUse == winogradNever {
		return false
	}
	if winogradUse == winogradAlways {
		return true
	}
	tiles := n * ((g.oh + 1) / 2) * ((g.ow + 1) / 2)
	return g.c >= 16 && g.outC >= 16 && (g.c >= 64 || tiles >= 256)
}

// winograd is the Winograd forward's state: the scratch reused from call
// to call and the current call's tensors.
type winograd struct {
	g              convGeom
	n              int
	tilesH, tilesW int // per sample
	tiles          int // in the batch
	chunk          int // tiles per work item
	x, w, b, out   []float32
	phase          winogradPhase
	// f: the transformed filters of this call, own (inference) or
	// winogradShared's (training); misses counts the calls in a row
	// whose weights had changed.
	f      *winogradFilters
	own    winogradFilters
	misses int
	probe  weightProbe // a differentiated kernel's frozen weights (winograd_frozen.go)
	v, m   [][]float32 // per worker: xis × C × chunk, xis × O × chunk
	strip  [][]float32 // per worker: tile+2 padded input rows (fillStrip)
	keep   []float32   // the im2col columns the backward reuses, or nil
	wg     sync.WaitGroup

	// tile: the output tile's side, 2 (F(2×2,3×3)) or 4 (F(4×4,3×3),
	// winograd4.go); xis = (tile+2)², the positions ξ (see setTile).
	tile, xis int

	// changed is set by the workers of phaseCheck that found a weight
	// not equal to the kept copy.
	changed atomic.Bool
	// pool, set by a buffer plan, holds v, m and strip between calls.
	pool *winogradBufs
}

// winogradPhase is the part of the call RunRange runs.
type winogradPhase int

const (
	phaseCheck  winogradPhase = iota // the weights against the kept copy, over output channels
	phaseFilter                      // U, over output channels
	phasePack                        // U[ξ] packed, over ξ
	phaseCols                        // kept im2col columns, over samples
	phaseTiles                       // everything else, over chunks of tiles
	// With too few tiles to share, one chunk of them all, each step
	// spread over the workers:
	phaseInput  // V, over input channels
	phaseGemm   // M, over ξ
	phaseOutput // Y, over output channels
)

// winogradMinChunk is the fewest tiles a worker's chunk has: below
// (batch 1 at 14×14 and 7×7: 49 and 16 tiles), the workers share the
// steps of one chunk instead.
const winogradMinChunk = 32

// forward computes out (N,O,OH,OW) from x (N,C,H,W), w (O,C,3,3) and the
// bias b (O) or nil; where keep is not nil, it also fills it with the
// im2col columns of every sample, for the weight gradient.
func (k *winograd) forward(g convGeom, n int, x, w, b, out, keep []float32) {
	k.g, k.n, k.x, k.w, k.b, k.out, k.keep = g, n, x, w, b, out, keep
	defer func() { k.x, k.w, k.b, k.out, k.keep, k.f = nil, nil, nil, nil, nil, nil }()
	shared, chunks := k.layout(winogradTile(&g, n))

	k.f = &k.own
	if k.borrows(w) { // training: new weights every call
		winogradShared.Lock()
		defer winogradShared.Unlock()
		k.f, k.own = &winogradShared.f, winogradFilters{}
	}
	as := [3]int{g.outC, g.c, k.chunk}
	if k.holds(as) {
		k.misses, k.probe.kept, k.probe.wait = 0, false, 0
	} else {
		k.misses++
		winogradU.Lock()
		winogradU.u = grow(winogradU.u, k.xis*g.outC*g.c)
		k.run(phaseFilter, g.outC)
		k.run(phasePack, k.xis)
		if k.f.pu[0].UsesPanels() {
			for xi := range k.f.pu { // the GEMMs read the panels, not u
				k.f.pu[xi].Release()
			}
			winogradU.Unlock()
		} else { // the GEMMs read u itself (few tiles, or no micro-kernel)
			defer winogradU.Unlock()
			as = [3]int{}
		}
		if k.f == &k.own {
			k.f.w, k.f.as = append(k.f.w[:0], w...), as
		}
	}
	if keep != nil {
		k.run(phaseCols, n)
	}
	k.tilesPass(shared, chunks)
}

// layout cuts the tiles of a call over k.n samples of k.g into chunks:
// it sets the tile counts and the chunk size, and returns the number of
// chunks and whether the workers share the steps of one chunk of them
// all (too few tiles to give each worker its own).
func (k *winograd) layout(tile int) (shared bool, chunks int) {
	k.setTile(tile)
	k.tiles = k.n * k.tilesH * k.tilesW
	workers := max(1, gemm.MaxWorkers)
	shared = workers > 1 && k.tiles < workers*winogradMinChunk
	k.chunk = min(k.maxChunk(), (k.tiles+workers-1)/workers)
	if shared {
		k.chunk = k.tiles
	}
	return shared, (k.tiles + k.chunk - 1) / k.chunk
}

// tilesPass computes every output tile from the input, with the
// transformed filters k.f ready (see layout for shared and chunks).
func (k *winograd) tilesPass(shared bool, chunks int) {
	g := &k.g
	if p := k.pool; p != nil { // a plan's buffers, which every kernel of the graph uses in turn
		k.v, k.m, k.strip = p.v, p.m, p.strip
		defer func() { p.v, p.m, p.strip, k.v, k.m, k.strip = k.v, k.m, k.strip, nil, nil, nil }()
	}
	for len(k.v) < max(1, gemm.MaxWorkers) {
		k.v, k.m, k.strip = append(k.v, nil), append(k.m, nil), append(k.strip, nil)
	}
	if !shared {
		k.run(phaseTiles, chunks)
		return
	}
	k.v[0] = grow(k.v[0], k.xis*xiStride(g.c, k.chunk))
	k.m[0] = grow(k.m[0], k.xis*xiStride(g.outC, k.chunk))
	k.run(phaseInput, g.c)
	k.run(phaseGemm, k.xis)
	k.run(phaseOutput, g.outC)
}

// differentiated marks the kernel of a convolution whose gradient is
// taken: an optimizer changes its weights after every call, so it
// borrows winogradShared's filters from the first call on instead of
// keeping a copy of its weights for the first two (for ResNet-18 that
// copy, with its own packed U, put ~2.8 times the 3×3 weights, ~120 MB,
// on top of the peak of the first training steps).
func (k *winograd) differentiated() { k.misses = 2 }

// winogradFilters are U[ξ] packed for the GEMMs, and the weights and
// the geometry (O, C, chunk) they were computed for.
type winogradFilters struct {
	pu [winogradMaxXis]gemm.PackedA // [:xis] used
	w  []float32
	as [3]int
}

// holds reports whether k.f holds the transform of k.w for as: an
// inference graph's weights do not change from call to call, and the
// transform and packing are then skipped, at the cost of a copy of the
// weights, compared bit for bit with w at every call, split over the
// workers by output channel (phaseCheck). A kernel whose weights changed
// twice in a row (training) stops keeping them and borrows
// winogradShared's instead, until they stop changing (borrows).
//
// The comparison is the cheapest exact test there is: the weights are
// the store's tensors, which callers may write directly, so no version
// counter can see every change, and U = G g Gᵀ rounds, so it does not
// give the weights back; a hash would miss collisions.
func (k *winograd) holds(as [3]int) bool {
	f := k.f
	if f.as != as || len(k.w) != len(f.w) || len(k.w) == 0 {
		return false
	}
	k.changed.Store(false)
	if winogradCheckSplit {
		k.run(phaseCheck, k.g.outC)
	} else {
		k.phase = phaseCheck
		k.RunRange(0, 0, k.g.outC)
	}
	return !k.changed.Load()
}

// winogradCheckSplit: holds compares on all the workers; benchmarks turn
// it off to time the comparison on one.
var winogradCheckSplit = true

// sameBits reports whether a and b hold the same bits.
func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	return bytes.Equal(unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), 4*len(a)),
		unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 4*len(b)))
}

var (
	// winogradU is the unpacked U (xis × O × C; the data gradient's
	// U', xis × C × O, see xgradUStride) while it is computed and packed:
	// one buffer for every kernel.
	winogradU struct {
		sync.Mutex
		u []float32
	}
	// winogradShared are the packed filters of the kernels whose
	// weights change every call (training), which hold it for their
	// call: one set for them all, not one per convolution. (Kernels of
	// one graph run one at a time; two graphs training at once in one
	// process take turns in their Winograd convolutions.)
	winogradShared struct {
		sync.Mutex
		f winogradFilters
	}
)

func (k *winograd) run(p winogradPhase, items int) {
	k.phase = p
	gemm.ParallelFor(k, items, &k.wg)
}

func (k *winograd) RunRange(worker, lo, hi int) {
	g := &k.g
	nt := k.chunk // phaseInput to phaseOutput: the one chunk
	switch k.phase {
	case phaseCheck:
		n := 9 * g.c
		if !sameBits(k.w[lo*n:hi*n], k.f.w[lo*n:hi*n]) {
			k.changed.Store(true)
		}
	case phaseFilter:
		for o := lo; o < hi; o++ {
			k.filter(k.w[o*g.c*9:][:g.c*9], winogradU.u, o, g.outC, g.c)
		}
	case phasePack:
		for xi := lo; xi < hi; xi++ {
			k.f.pu[xi].Pack(false, g.outC, k.chunk, g.c, winogradU.u[xi*g.outC*g.c:][:g.outC*g.c], g.c)
		}
	case phaseCols:
		for i := lo; i < hi; i++ {
			im2col(g, k.x[i*g.chw:][:g.chw], k.keep[i*g.ckk*g.ohw:][:g.ckk*g.ohw])
		}
	case phaseTiles:
		k.v[worker] = grow(k.v[worker], k.xis*xiStride(g.c, k.chunk))
		k.m[worker] = grow(k.m[worker], k.xis*xiStride(g.outC, k.chunk))
		for c := lo; c < hi; c++ {
			t0 := c * k.chunk
			k.tileChunk(worker, t0, min(k.tiles, t0+k.chunk))
		}
	case phaseInput:
		for c := lo; c < hi; c++ {
			k.input(k.v[0][c*nt:], xiStride(g.c, nt), c, 0, nt, worker)
		}
	case phaseGemm:
		for xi := lo; xi < hi; xi++ {
			k.gemm(k.v[0], k.m[0], xi, nt)
		}
	case phaseOutput:
		for o := lo; o < hi; o++ {
			k.output(k.m[0][o*nt:], xiStride(g.outC, nt), o, 0, nt)
		}
	default: // the data gradient's filters (winograd_xgrad.go)
		k.xgradFilters(lo, hi)
	}
}

// xiStride is the distance between the matrices of two ξ in a buffer of
// rows × nt matrices (V: channels × tiles, M: output channels × tiles).
// The transforms read or write the 16 matrices at once; were that a
// multiple of 4 KiB (64 channels × 128 tiles), all 16 streams would fall
// in the same L1 cache set, which holds 8: a skew of one cache line puts
// each in a set of its own.
func xiStride(rows, nt int) int { return rows*nt + 16 }

// stripSlack is the values past a strip's last row that the F(4×4)
// assembly may read and not use: it reads 40 values of each row from
// the first of 8 tiles (34 used), where the row may have as few as 6
// (inputTiles4).
const stripSlack = 40

// fillStrip copies rows [y0, y0+rows) of plane, columns [x0, x0+sw),
// zero outside the plane, into worker's strip (rows × sw, and
// stripSlack more values) and returns it.
func (k *winograd) fillStrip(worker int, plane []float32, rows, sw, y0, x0 int) []float32 {
	g := &k.g
	k.strip[worker] = grow(k.strip[worker], rows*sw+stripSlack)
	strip := k.strip[worker]
	for r := range rows {
		dst := strip[r*sw:][:sw]
		if y := y0 + r; y < 0 || y >= g.h {
			clear(dst)
		} else {
			lo, hi := max(0, -x0), min(sw, g.w-x0) // dst[lo:hi] lies in the row
			clear(dst[:lo])
			if lo < hi {
				copy(dst[lo:hi], plane[y*g.w+x0+lo:][:hi-lo])
				clear(dst[hi:])
			} else {
				clear(dst[lo:])
			}
		}
	}
	return strip
}

// tileChunk computes the outputs of tiles [t0, t1) with worker's
// buffers.
func (k *winograd) tileChunk(worker, t0, t1 int) {
	g := &k.g
	v, m := k.v[worker], k.m[worker]
	nt := t1 - t0
	for c := range g.c {
		k.input(v[c*nt:], xiStride(g.c, nt), c, t0, t1, worker)
	}
	for xi := range k.xis {
		k.gemm(v, m, xi, nt)
	}
	for o := range g.outC {
		k.output(m[o*nt:], xiStride(g.outC, nt), o, t0, t1)
	}
}

// gemm computes M[ξ] = U[ξ]·V[ξ] for a chunk of nt tiles.
func (k *winograd) gemm(v, m []float32, xi, nt int) {
	cs, os := xiStride(k.g.c, nt), xiStride(k.g.outC, nt)
	k.f.pu[xi].Gemm(nt, v[xi*cs:], nt, 0, m[xi*os:], nt)
}

// inputTiles writes V = Bᵀ d B of channel c for tiles [t0, t1): entry ξ
// of tile t goes to v[ξ*stride + t-t0]. The input rows under the tile
// rows of one sample that the range touches are copied, zero-padded and
// the full width of the tiles, into worker's strip, once (a row lies
// under two tile rows; copying 4 rows per tile row read each twice and
// made many small copies: 12% of a ResNet-20 step), so that every patch
// lies inside it; runs of 8 tiles go to the assembly transform.
func (k *winograd) inputTiles(v []float32, stride, c, t0, t1, worker int) {
	paired := false // the run is the second of a pair (see pairRows)
	k.stripRows(c, t0, t1, worker, func(row []float32, sw, t, ty, tx0, tx1 int) {
		if paired {
			paired = false
			return
		}
		if k.pairRows(t, ty, tx0, tx1, t1-t0) {
			o := v[t:]
			_ = o[15*stride+7]
			_ = row[5*sw+9]
			winogradInput8(&row[0], &row[2*sw], sw, &o[0], stride)
			paired = true
			return
		}
		for tx := tx0; tx < tx1; tx, t = tx+1, t+1 {
			if winogradSIMD && tx1-tx0 >= 8 {
				// 8 tiles at once, the last 8 of the run where fewer are
				// left (recomputing some: same values).
				s := min(tx, tx1-8)
				o := v[t+s-tx:]
				_ = o[15*stride+7]
				_ = row[3*sw+2*s+17]
				winogradInput8(&row[2*s], &row[2*s+8], sw, &o[0], stride)
				t += s + 7 - tx
				tx = s + 7
				continue
			}
			p := row[2*tx:]
			r0, r1, r2, r3 := p[:4], p[sw:][:4], p[2*sw:][:4], p[3*sw:][:4]
			// Bᵀ d down the columns, then the same along the rows of the result.
			a0, b0, c0, d0 := bt4(r0[0], r1[0], r2[0], r3[0])
			a1, b1, c1, d1 := bt4(r0[1], r1[1], r2[1], r3[1])
			a2, b2, c2, d2 := bt4(r0[2], r1[2], r2[2], r3[2])
			a3, b3, c3, d3 := bt4(r0[3], r1[3], r2[3], r3[3])
			o := v[t:]
			_ = o[15*stride]
			o[0], o[stride], o[2*stride], o[3*stride] = bt4(a0, a1, a2, a3)
			o[4*stride], o[5*stride], o[6*stride], o[7*stride] = bt4(b0, b1, b2, b3)
			o[8*stride], o[9*stride], o[10*stride], o[11*stride] = bt4(c0, c1, c2, c3)
			o[12*stride], o[13*stride], o[14*stride], o[15*stride] = bt4(d0, d1, d2, d3)
		}
	})
}

// stripRows calls f for each run of tiles of rows(t0, t1) with row, the
// input rows of channel c under its tile row in worker's strip, of row
// stride sw: the rows under the tile rows of one sample that the range
// touches, copied once, zero-padded and the full width of the tiles
// (tile·tilesW + 2), so that every patch lies inside (see inputTiles).
func (k *winograd) stripRows(c, t0, t1, worker int, f func(row []float32, sw, t, ty, tx0, tx1 int)) {
	g := &k.g
	hw := g.h * g.w
	per := k.tilesH * k.tilesW
	ts := k.tile
	sw := ts*k.tilesW + 2
	var strip []float32
	sn, sy := -1, 0 // the sample in the strip and its first tile row
	k.rows(t0, t1, func(t, n, ty, tx0, tx1 int) {
		if n != sn {
			last := k.tilesH - 1 // the sample's last tile row in the range
			if (t1-1)/per == n {
				last = (t1 - 1) % per / k.tilesW
			}
			plane := k.x[(n*g.c+c)*hw:][:hw]
			strip = k.fillStrip(worker, plane, ts*(last-ty)+ts+2, sw, ts*ty-g.ph, -g.pw)
			sn, sy = n, ty
		}
		f(strip[ts*(ty-sy)*sw:], sw, t, ty, tx0, tx1)
	})
}

// bt4 is Bᵀ times the column (a0, a1, a2, a3).
func bt4(a0, a1, a2, a3 float32) (float32, float32, float32, float32) {
	return a0 - a2, a1 + a2, a2 - a1, a1 - a3
}

// at4 is Aᵀ times the column (a0, a1, a2, a3).
func at4(a0, a1, a2, a3 float32) (float32, float32) {
	return a0 + a1 + a2, a1 - a2 - a3
}

// pairRows reports whether the run of tiles [tx0, tx1) of tile row ty
// starting at tile t of a range of nt, and the run of the next tile row
// after it, run through the assembly transforms together as 8 tiles:
// where a row has 4 tiles (outputs 8 wide on F(2×2): ResNet-20's
// 64-channel layers; 16 wide on F(4×4)), whole, and the next row of the
// sample is in the range.
func (k *winograd) pairRows(t, ty, tx0, tx1, nt int) bool {
	return winogradSIMD && k.tilesW == 4 && tx0 == 0 && tx1 == 4 && ty+1 < k.tilesH && t+8 <= nt
}

// rows calls f for each run of tiles [t0, t1) in one tile row: the run
// starts at tile t, of sample n, tile row ty, tile columns [tx0, tx1).
func (k *winograd) rows(t0, t1 int, f func(t, n, ty, tx0, tx1 int)) {
	per := k.tilesH * k.tilesW
	for t := t0; t < t1; {
		n, r := t/per, t%per
		ty, tx := r/k.tilesW, r%k.tilesW
		tx1 := min(k.tilesW, tx+t1-t)
		f(t-t0, n, ty, tx, tx1)
		t += tx1 - tx
	}
}

// outputTiles writes Y = Aᵀ m A + bias of output channel o for tiles
// [t0, t1), entry ξ of tile t being m[ξ*stride + t-t0]; a tile past the
// output's edge (odd size) writes only what lies inside.
func (k *winograd) outputTiles(m []float32, stride, o, t0, t1 int) {
	g := &k.g
	var bias float32
	if k.b != nil {
		bias = k.b[o]
	}
	paired := false // the run is the second of a pair (see pairRows)
	k.rows(t0, t1, func(t, n, ty, tx0, tx1 int) {
		plane := k.out[(n*g.outC+o)*g.ohw:][:g.ohw]
		y0 := 2 * ty
		if paired {
			paired = false
			return
		}
		if g.ow == 8 && y0+3 < g.oh && k.pairRows(t, ty, tx0, tx1, t1-t0) {
			i := m[t:]
			_ = i[15*stride+7]
			_ = plane[(y0+3)*8+7]
			winogradOutput8(&i[0], stride, &plane[y0*8], &plane[(y0+2)*8], 8, bias)
			paired = true
			return
		}
		row0 := plane[y0*g.ow:][:g.ow]
		row1 := row0 // written last where the output has no second row
		if y0+1 < g.oh {
			row1 = plane[(y0+1)*g.ow:][:g.ow]
		}
		for tx := tx0; tx < tx1; tx, t = tx+1, t+1 {
			if winogradSIMD && y0+1 < g.oh && tx1-tx0 >= 8 {
				s := min(tx, tx1-8) // as in inputTiles
				if 2*s+16 <= g.ow {
					i := m[t+s-tx:]
					_ = i[15*stride+7]
					winogradOutput8(&i[0], stride, &row0[2*s], &row0[2*s+8], g.ow, bias)
					t += s + 7 - tx
					tx = s + 7
					continue
				}
			}
			i := m[t:]
			_ = i[15*stride]
			// Aᵀ m down the columns, then along the rows.
			a0, b0 := at4(i[0], i[4*stride], i[8*stride], i[12*stride])
			a1, b1 := at4(i[stride], i[5*stride], i[9*stride], i[13*stride])
			a2, b2 := at4(i[2*stride], i[6*stride], i[10*stride], i[14*stride])
			a3, b3 := at4(i[3*stride], i[7*stride], i[11*stride], i[15*stride])
			y00, y01 := at4(a0, a1, a2, a3)
			y10, y11 := at4(b0, b1, b2, b3)
			x0 := 2 * tx
			if x0+1 < g.ow {
				row1[x0], row1[x0+1] = y10+bias, y11+bias
				row0[x0], row0[x0+1] = y00+bias, y01+bias
			} else {
				row1[x0] = y10 + bias
				row0[x0] = y00 + bias
			}
		}
	})
}

// winogradFilter writes U = G g Gᵀ for output channel o: entry ξ of the
// filter of input channel c goes to u[(ξ*outC + o)*c + c]. w holds the
// c 3×3 filters of o. The 16 entries of a filter go to 16 rows far apart
// (4 KiB aliasing, TLB misses), so a block of filters is transformed
// into blk first and each row of 16 copied out in one piece.
func winogradFilter(w, u []float32, o, outC, c int) {
	const block = 64
	var blk [16 * block]float32
	for c0 := 0; c0 < c; c0 += block {
		nb := min(block, c-c0)
		for ci := range nb {
			var t [16]float32
			winogradFilterTile(w[(c0+ci)*9:][:9], &t)
			for xi, v := range t {
				blk[xi*block+ci] = v
			}
		}
		for xi := range 16 {
			copy(u[(xi*outC+o)*c+c0:][:nb], blk[xi*block:][:nb])
		}
	}
}

// winogradFilterTile writes G g Gᵀ of the 3×3 filter g to t, entry ξ at
// index ξ.
func winogradFilterTile(g []float32, t *[16]float32) {
	g = g[:9]
	// G g: rows g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2 (4×3), column by
	// column, then the same along the rows of the result.
	a0, a3, a6, a9 := gt3(g[0], g[3], g[6])
	a1, a4, a7, a10 := gt3(g[1], g[4], g[7])
	a2, a5, a8, a11 := gt3(g[2], g[5], g[8])
	t[0], t[1], t[2], t[3] = gt3(a0, a1, a2)
	t[4], t[5], t[6], t[7] = gt3(a3, a4, a5)
	t[8], t[9], t[10], t[11] = gt3(a6, a7, a8)
	t[12], t[13], t[14], t[15] = gt3(a9, a10, a11)
}

// gt3 is G times the column (g0, g1, g2).
func gt3(g0, g1, g2 float32) (float32, float32, float32, float32) {
	return g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2
}

// winogradForward runs the float32 forward of k on the Winograd path
// (forward checked useWinograd); convPrepare has run.
func (k *convKernel) winogradForward() {
	var b, keep []float32
	if k.bias {
		b = elems[float32](k.in[2])
	}
	if k.keep {
		keep = k.s32.kept
	}
	k.wino.forward(k.g, k.n, elems[float32](k.in[0]), elems[float32](k.in[1]), b, elems[float32](k.out), keep)
}
