package op

// The data gradient of a 3×3 convolution with stride and dilation 1 and
// padding p ≤ 2 (per axis) is itself such a convolution: of dy, with the
// filters transposed over (in, out) and turned by 180°, and padding 2-p,
//
//	dX[n,c] = Σ_o corr(dy[n,o] padded by 2-p, rot180(W[o,c]))
//
// whose output is exactly x's size (OH = H+2p-2, and OH+2(2-p)-2 = H).
// The Winograd forward computes it with the filters below in place of
// its own, in place of the GEMM Wᵀ·dy (C·9 × OH·OW per sample) and its
// col2im.
//
// The filters need no copy of the weights: each 3×3 filter is turned as
// it is read from W, and its transform written straight into the layout
// of U'[ξ] (C × O), the transpose of the forward's U[ξ] (O × C); the
// filter set and the buffer it is computed in are the forward's shared
// ones (winogradShared, winogradU).

// winogradXGradUse forces the choice of useWinogradXGrad (tests).
var winogradXGradUse = winogradAuto

// Phases of the data gradient's filters (RunRange's default case).
const (
	phaseXFilter winogradPhase = 100 + iota // U', over blocks of dy's channels
	phaseXPack                              // U'[ξ] packed, over ξ
)

// xgradGeom is the geometry of the data gradient of g (winogradFits,
// padding at most 2) as a convolution of dy: dy's channels in, x's out.
func xgradGeom(g *convGeom) convGeom {
	return newConvGeom(g.outC, g.oh, g.ow, g.c, 3, 3, ConvParams{PadH: 2 - g.ph, PadW: 2 - g.pw})
}

// useWinogradXGrad reports whether the float32 data gradient of g over a
// batch of n takes the Winograd path, and returns its geometry as a
// convolution of dy (xgradGeom): with 16 channels or more in and out
// and 256 tiles or more. Its filters are transformed every call, at a
// cost per filter that the 16 GEMMs save back per tile: unlike the
// forward's rule, many channels do not make up for few tiles.
// BenchmarkConvXGrad, CPU ms a call (cpu-ms/op, steadier than wall time
// on a box loaded by other jobs), median of 5, 2 workers:
//
//	batch/in/size/out   GEMM+col2im  Winograd
//	64/16/32/16           12.8        10.8     resnet20 b64
//	64/32/16/32            8.1         7.4
//	64/64/8/64             8.5         8.6
//	8/64/56/64            52.3        28.5     resnet18 b8
//	8/128/28/128          32.0        21.2
//	8/256/14/256          40.1        33.2
//	8/512/7/512           62.4        66.9     (128 tiles)
//
// (Images of 8×8 have 4 tiles a row, which the assembly transforms take
// two rows at a time since pairRows: 64/64/8/64 5.68 -> 5.20, medians of
// 3; below, 4 tiles or fewer run the scalar transforms.)
func useWinogradXGrad(g *convGeom, n int) (convGeom, bool) {
	if !winogradFits(g) || g.ph > 2 || g.pw > 2 || winogradXGradUse == winogradNever {
		return convGeom{}, false
	}
	gx := xgradGeom(g)
	if winogradXGradUse == winogradAlways {
		return gx, true
	}
	tiles := n * ((gx.oh + 1) / 2) * ((gx.ow + 1) / 2)
	return gx, gx.c >= 16 && gx.outC >= 16 && tiles >= 256
}

// xgrad computes dx (N,C,H,W) from dy (N,O,OH,OW) and the forward's
// weights w (O,C,3,3), gx being xgradGeom of the forward's geometry.
// The transformed filters go to winogradShared's set (the weights change
// every step); the per-worker buffers are k's, which the caller may
// lend.
func (k *winograd) xgrad(gx convGeom, n int, w, dy, dx []float32) {
	k.g, k.n, k.x, k.w, k.b, k.out = gx, n, dy, w, nil, dx
	defer func() { k.x, k.w, k.out, k.f = nil, nil, nil, nil }()
	shared, chunks := k.layout(xgradTile(&gx))
	winogradShared.Lock()
	defer winogradShared.Unlock()
	k.f = &winogradShared.f
	k.f.w, k.f.as = k.f.w[:0], [3]int{} // holds nothing for the forward
	winogradU.Lock()
	winogradU.u = grow(winogradU.u, k.xis*xgradUStride(gx.c, gx.outC))
	k.run(phaseXFilter, (gx.c+xgradFilterBlock-1)/xgradFilterBlock)
	k.run(phaseXPack, k.xis)
	if k.f.pu[0].UsesPanels() {
		for xi := range k.f.pu[:k.xis] {
			k.f.pu[xi].Release()
		}
		winogradU.Unlock()
	} else { // the GEMMs read u itself
		defer winogradU.Unlock()
	}
	k.tilesPass(shared, chunks)
}

// xgradTile returns the output tile side of the data gradient of
// geometry gx (xgradGeom): 4 (F(4×4,3×3)) where the forward's rule for
// few channels holds (winograd4Small: ResNet-20's 16-channel 32×32
// and 32-channel 16×16 layers), else 2; the forward's rule for 128
// channels and more is not measured for the data gradient, whose
// filters are transformed every call. winogradTile's forced modes
// force it too. BenchmarkConvXGrad 64/16/32/16 (…/winograd against
// …/f2/winograd), CPU ms a call, 3 runs: F(4×4) 5.73 6.09 5.93, F(2×2)
// 7.97 8.72 8.89; 64/32/16/32: F(4×4) 4.81 4.57 3.48, F(2×2) 5.15
// 5.01 3.88.
func xgradTile(gx *convGeom) int {
	switch {
	case winograd4Use == winogradAlways:
		return 4
	case winograd4Use == winogradAuto && winograd4Small(gx):
		return 4
	}
	return 2
}

// xgradFilters runs items [lo, hi) of the filter phases of xgrad. W is
// (O, C, 3, 3) with O = k.g.c and C = k.g.outC; U'[ξ] is C × O.
func (k *winograd) xgradFilters(lo, hi int) {
	g := &k.g
	switch k.phase {
	case phaseXFilter:
		for b := lo; b < hi; b++ {
			o0 := b * xgradFilterBlock
			winogradFilterT(k.w, winogradU.u, o0, min(g.c, o0+xgradFilterBlock), g.outC, g.c, k.tile)
		}
	case phaseXPack:
		st := xgradUStride(g.c, g.outC)
		for xi := lo; xi < hi; xi++ {
			k.f.pu[xi].Pack(false, g.outC, k.chunk, g.c, winogradU.u[xi*st:][:g.c*g.outC], g.c)
		}
	}
}

// xgradFilterBlock is the number of W's output channels one item of
// phaseXFilter transforms: each entry ξ of their filters is written as
// one run of this many values (a cache line).
const xgradFilterBlock = 16

// xgradUStride is the distance between U'[ξ] and U'[ξ+1] in winogradU.u
// (O·C and a cache line: as xiStride, so that the 16 or 36 runs of
// one channel do not all fall in one cache set).
func xgradUStride(o, c int) int { return o*c + 16 }

// winogradFilterT writes U'[ξ] = (G rot180(W[o,c]) Gᵀ)[ξ] of the
// transform of tile side tile (2 or 4) for o in [o0, o1) (at most
// xgradFilterBlock) and every c to u[ξ*xgradUStride(O, C) + c*O + o].
// The o rows of W (O, C, 3, 3) are read in order, one channel at a time;
// the channel's runs, one per ξ, go through blk.
func winogradFilterT(w, u []float32, o0, o1, C, O, tile int) {
	var blk [winogradMaxXis][xgradFilterBlock]float32
	xis := (tile + 2) * (tile + 2)
	no, st := o1-o0, xgradUStride(O, C)
	for c := range C {
		for oi := range no {
			g := w[((o0+oi)*C+c)*9:][:9]
			r := [9]float32{g[8], g[7], g[6], g[5], g[4], g[3], g[2], g[1], g[0]}
			var t [winogradMaxXis]float32
			if tile == 4 {
				winogradFilter4Tile(r[:], (*[36]float32)(t[:]))
			} else {
				winogradFilterTile(r[:], (*[16]float32)(t[:]))
			}
			for xi, v := range t[:xis] {
				blk[xi][oi] = v
			}
		}
		for xi := range blk[:xis] {
			copy(u[xi*st+c*O+o0:][:no], blk[xi][:no])
		}
	}
}

// winogradXGrad computes k's float32 data gradient on the Winograd path
// (forward checked useWinogradXGrad), in the forward kernel's per-worker
// buffers (or the buffer plan's, which they share): its V is sized for
// x's channels and its M for dy's, the reverse of the data gradient's, so
// they are lent swapped.
func (k *convXGrad) winogradXGrad(gx convGeom) {
	f, x := &k.fw.wino, &k.wino
	if x.pool = f.pool; x.pool == nil { // a buffer plan's are shared by every kernel (tilesPass)
		x.v, x.m, x.strip = f.m, f.v, f.strip
		defer func() {
			f.v, f.m, f.strip = x.m, x.v, x.strip
			x.v, x.m, x.strip = nil, nil, nil
		}()
	}
	x.xgrad(gx, k.xShape[0], elems[float32](k.w), elems[float32](k.dy), elems[float32](k.out))
}

// winogradWithCols reports whether a training forward that keeps its
// im2col columns for the weight gradient (keepCols) still takes the
// Winograd path useWinograd chose, rather than the GEMM on the columns
// it builds anyway: only where a row of the output has 8 tiles or more,
// so that the input and output transforms run in assembly 8 tiles at a
// time. BenchmarkConvKeepForward, CPU ms a call, median of 5, new
// weights every call:
//
//	batch/in/size/out   GEMM on columns  Winograd + columns
//	64/16/32/16            21.1             19.3    resnet20 b64
//	64/32/16/32            10.9             10.5
//	64/64/8/64             10.6             14.0    (4 tiles a row)
//
// (64/64/8/64 with two rows of 4 tiles at a time in the assembly
// transforms, pairRows: 7.2 against 7.7, medians of 3: still the GEMM.)
func winogradWithCols(g *convGeom) bool {
	return winogradUse != winogradAuto || (g.ow+1)/2 >= 8
}
