package op

import (
	"sync"

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
// where U = G g Gᵀ is computed once per call (the weights change from step
// to step in training; the cost is O(weights)) and V = Bᵀ d B per tile.
// The 16 GEMMs do 16 multiply-adds per tile, channel pair where im2col's
// GEMM does 36: 2.25 times fewer. The transforms cost O(tiles × channels)
// adds, so the scheme pays where the channels are many (see
// useWinograd).
//
// The tiles of the whole batch are numbered in one sequence and cut into
// chunks; each worker transforms, multiplies and transforms back its own
// chunks in buffers of its own, sized for a chunk so that they stay in
// cache.

// winogradMode forces the choice of useWinograd (tests).
type winogradMode int

const (
	winogradAuto winogradMode = iota
	winogradAlways
	winogradNever
)

var winogradUse = winogradAuto

// winogradChunk is the most tiles one worker transforms and multiplies
// at a time.
const winogradChunk = 128

// winogradFits reports whether g is a convolution the Winograd path
// computes: 3×3, stride 1, dilation 1.
func winogradFits(g *convGeom) bool {
	return g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1
}

// useWinograd reports whether the float32 forward of g over a batch of n
// takes the Winograd path.
func useWinograd(g *convGeom, n int) bool {
	if !winogradFits(g) || winogradUse == winogradNever {
		return false
	}
	if winogradUse == winogradAlways {
		return true
	}
	return g.c >= 32 && g.outC >= 32
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
	u              []float32 // 16 × O × C
	pu             [16]gemm.PackedA
	v, m           [][]float32 // per worker: 16 × C × chunk, 16 × O × chunk
	keep           []float32   // the im2col columns the backward reuses, or nil
	wg             sync.WaitGroup
}

// winogradPhase is the part of the call RunRange runs.
type winogradPhase int

const (
	phaseFilter winogradPhase = iota // U over output channels
	phasePack                        // U[ξ] packed, over ξ
	phaseCols                        // kept im2col columns, over samples
	phaseTiles                       // everything else, over chunks of tiles
)

// forward computes out (N,O,OH,OW) from x (N,C,H,W), w (O,C,3,3) and the
// bias b (O) or nil; where keep is not nil, it also fills it with the
// im2col columns of every sample, for the weight gradient.
func (k *winograd) forward(g convGeom, n int, x, w, b, out, keep []float32) {
	k.g, k.n, k.x, k.w, k.b, k.out, k.keep = g, n, x, w, b, out, keep
	defer func() { k.x, k.w, k.b, k.out, k.keep = nil, nil, nil, nil, nil }()
	k.tilesH, k.tilesW = (g.oh+1)/2, (g.ow+1)/2
	k.tiles = n * k.tilesH * k.tilesW
	k.chunk = min(winogradChunk, (k.tiles+gemm.MaxWorkers-1)/max(1, gemm.MaxWorkers))
	chunks := (k.tiles + k.chunk - 1) / k.chunk

	k.u = grow(k.u, 16*g.outC*g.c)
	k.run(phaseFilter, g.outC)
	k.run(phasePack, 16)
	defer func() {
		for i := range k.pu {
			k.pu[i].Release()
		}
	}()
	if keep != nil {
		k.run(phaseCols, n)
	}
	for len(k.v) < gemm.Workers(chunks) {
		k.v, k.m = append(k.v, nil), append(k.m, nil)
	}
	k.run(phaseTiles, chunks)
}

func (k *winograd) run(p winogradPhase, items int) {
	k.phase = p
	gemm.ParallelFor(k, items, &k.wg)
}

func (k *winograd) RunRange(worker, lo, hi int) {
	g := &k.g
	switch k.phase {
	case phaseFilter:
		for o := lo; o < hi; o++ {
			winogradFilter(k.w[o*g.c*9:][:g.c*9], k.u, o, g.outC, g.c)
		}
	case phasePack:
		for xi := lo; xi < hi; xi++ {
			k.pu[xi].Pack(false, g.outC, k.chunk, g.c, k.u[xi*g.outC*g.c:][:g.outC*g.c], g.c)
		}
	case phaseCols:
		for i := lo; i < hi; i++ {
			im2col(g, k.x[i*g.chw:][:g.chw], k.keep[i*g.ckk*g.ohw:][:g.ckk*g.ohw])
		}
	case phaseTiles:
		k.v[worker] = grow(k.v[worker], 16*g.c*k.chunk)
		k.m[worker] = grow(k.m[worker], 16*g.outC*k.chunk)
		for c := lo; c < hi; c++ {
			t0 := c * k.chunk
			k.tileChunk(k.v[worker], k.m[worker], t0, min(k.tiles, t0+k.chunk))
		}
	}
}

// tileChunk computes the outputs of tiles [t0, t1) with the buffers v
// and m.
func (k *winograd) tileChunk(v, m []float32, t0, t1 int) {
	g := &k.g
	nt := t1 - t0
	cs, os := g.c*nt, g.outC*nt // distance between two ξ in v, m
	for c := range g.c {
		k.inputTiles(v[c*nt:], cs, c, t0, t1)
	}
	for xi := range 16 {
		k.pu[xi].Gemm(nt, v[xi*cs:][:cs], nt, 0, m[xi*os:][:os], nt)
	}
	for o := range g.outC {
		var bias float32
		if k.b != nil {
			bias = k.b[o]
		}
		k.outputTiles(m[o*nt:], os, o, bias, t0, t1)
	}
}

// tilePos returns the sample and the tile row and column of tile t.
func (k *winograd) tilePos(t int) (n, ty, tx int) {
	per := k.tilesH * k.tilesW
	n, t = t/per, t%per
	return n, t / k.tilesW, t % k.tilesW
}

// inputTiles writes V = Bᵀ d B of channel c for tiles [t0, t1): entry ξ
// of tile t goes to v[ξ*stride + t-t0].
func (k *winograd) inputTiles(v []float32, stride, c, t0, t1 int) {
	g := &k.g
	hw := g.h * g.w
	n, ty, tx := k.tilePos(t0)
	var d [16]float32
	for t := range t1 - t0 {
		plane := k.x[(n*g.c+c)*hw:][:hw]
		y0, x0 := 2*ty-g.ph, 2*tx-g.pw
		if y0 >= 0 && x0 >= 0 && y0+4 <= g.h && x0+4 <= g.w {
			for r := range 4 {
				copy(d[r*4:r*4+4], plane[(y0+r)*g.w+x0:])
			}
		} else {
			for r := range 4 {
				for s := range 4 {
					y, x := y0+r, x0+s
					if y >= 0 && x >= 0 && y < g.h && x < g.w {
						d[r*4+s] = plane[y*g.w+x]
					} else {
						d[r*4+s] = 0
					}
				}
			}
		}
		// Bᵀ d: rows d0-d2, d1+d2, d2-d1, d1-d3; then the same on columns.
		var e [16]float32
		for j := range 4 {
			d0, d1, d2, d3 := d[j], d[4+j], d[8+j], d[12+j]
			e[j], e[4+j], e[8+j], e[12+j] = d0-d2, d1+d2, d2-d1, d1-d3
		}
		for i := range 4 {
			e0, e1, e2, e3 := e[4*i], e[4*i+1], e[4*i+2], e[4*i+3]
			v[(4*i)*stride+t] = e0 - e2
			v[(4*i+1)*stride+t] = e1 + e2
			v[(4*i+2)*stride+t] = e2 - e1
			v[(4*i+3)*stride+t] = e1 - e3
		}
		if tx++; tx == k.tilesW {
			tx = 0
			if ty++; ty == k.tilesH {
				ty, n = 0, n+1
			}
		}
	}
}

// outputTiles writes Y = Aᵀ m A + bias of output channel o for tiles
// [t0, t1), entry ξ of tile t being m[ξ*stride + t-t0]; a tile past the
// output's edge (odd size) writes only what lies inside.
func (k *winograd) outputTiles(m []float32, stride, o int, bias float32, t0, t1 int) {
	g := &k.g
	n, ty, tx := k.tilePos(t0)
	for t := range t1 - t0 {
		var s [8]float32 // Aᵀ m: rows m0+m1+m2, m1-m2-m3
		for j := range 4 {
			m0, m1, m2, m3 := m[j*stride+t], m[(4+j)*stride+t], m[(8+j)*stride+t], m[(12+j)*stride+t]
			s[j], s[4+j] = m0+m1+m2, m1-m2-m3
		}
		plane := k.out[(n*g.outC+o)*g.ohw:][:g.ohw]
		y0, x0 := 2*ty, 2*tx
		for r := range 2 {
			if y0+r >= g.oh {
				break
			}
			row := plane[(y0+r)*g.ow:][:g.ow]
			s0, s1, s2, s3 := s[4*r], s[4*r+1], s[4*r+2], s[4*r+3]
			row[x0] = s0 + s1 + s2 + bias
			if x0+1 < g.ow {
				row[x0+1] = s1 - s2 - s3 + bias
			}
		}
		if tx++; tx == k.tilesW {
			tx = 0
			if ty++; ty == k.tilesH {
				ty, n = 0, n+1
			}
		}
	}
}

// winogradFilter writes U = G g Gᵀ for output channel o: entry ξ of the
// filter of input channel c goes to u[(ξ*outC + o)*c + c]. w holds the
// c 3×3 filters of o.
func winogradFilter(w, u []float32, o, outC, c int) {
	for ci := range c {
		g := w[ci*9:][:9]
		// G g: rows g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2 (4×3).
		var a [12]float32
		for j := range 3 {
			g0, g1, g2 := g[j], g[3+j], g[6+j]
			a[j], a[3+j], a[6+j], a[9+j] = g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2
		}
		for i := range 4 {
			a0, a1, a2 := a[3*i], a[3*i+1], a[3*i+2]
			base := ((4*i)*outC+o)*c + ci
			step := outC * c
			u[base] = a0
			u[base+step] = (a0 + a1 + a2) / 2
			u[base+2*step] = (a0 - a1 + a2) / 2
			u[base+3*step] = a2
		}
	}
}

// winogradForward runs the float32 forward of k on the Winograd path and
// reports true where useWinograd chooses it; convPrepare has run.
func (k *convKernel) winogradForward() bool {
	if !useWinograd(&k.g, k.n) {
		return false
	}
	var b, keep []float32
	if k.bias {
		b = elems[float32](k.in[2])
	}
	if k.keep {
		keep = k.s32.kept
	}
	k.wino.forward(k.g, k.n, elems[float32](k.in[0]), elems[float32](k.in[1]), b, elems[float32](k.out), keep)
	return true
}
