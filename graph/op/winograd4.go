package op

// Winograd F(4×4,3×3) (Lavin & Gray 2015), beside F(2×2,3×3) in
// winograd.go, whose machinery it shares (chunks of tiles per worker,
// per-worker buffers, kept filters, kept im2col columns): each 4×4
// output tile is computed from the 6×6 input patch under it,
//
//	Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// with the interpolation points 0, 1, -1, 1/2, -2 and ∞:
//
//	Bᵀ = | 1 -3/2   -2  3/2    1  0 |   G = |      1     0     0 |
//	     | 0   -1  1/2  5/2    1  0 |       |    1/3   1/3   1/3 |
//	     | 0    1 -5/2  1/2    1  0 |       |   -1/3   1/3  -1/3 |
//	     | 0   -2   -1    2    1  0 |       | -16/15 -8/15 -4/15 |
//	     | 0  1/2   -1 -1/2    1  0 |       |   1/15 -2/15  4/15 |
//	     | 0    1 -3/2   -2  3/2  1 |       |      0     0     1 |
//
//	Aᵀ = | 1  1  1    1  1  0 |
//	     | 0  1 -1  1/2 -2  0 |
//	     | 0  1  1  1/4  4  0 |
//	     | 0  1 -1  1/8 -8  1 |
//
// (Toom-Cook with those points, the matrices checked exactly against
// the direct convolution). The points 0, ±1, ±2 of Lavin & Gray's
// paper and NNPACK give Bᵀ and Aᵀ entries up to 5 and 8 and, in float32,
// about 2 to 3 times this error on the zoo shapes (a float32 emulation
// over random 64- and 256-channel tiles: median 8.5e-6 against 2.8e-6
// relative; Barabasz et al., "Error analysis and improving the accuracy
// of Winograd convolution", 2020, found the same points).
//
// The 36 GEMMs M[ξ] = U[ξ]·V[ξ] do 36 multiply-adds per 16 outputs, input
// and output channel where im2col's GEMM does 144: 4 times fewer (F(2×2):
// 2.25). The price: U is 36/9 = 4 times the weights (F(2×2): 16/9), the
// transforms cost more per tile, and the float32 error is larger (the
// entries of Aᵀ reach 8); see winogradTile for where it pays and
// winograd4_test.go for the error.

// winogradMaxXis is the most positions ξ of a transformed tile (F(4×4)).
const winogradMaxXis = 36

// winograd4Use forces the choice of winogradTile (tests):
// winogradAlways F(4×4), winogradNever F(2×2).
var winograd4Use = winogradAuto

// winogradTile returns the output tile side of the Winograd forward of g
// over a batch of n: 4 (F(4×4,3×3)) or 2 (F(2×2,3×3)). F(4×4) is taken
// with 128 channels or more in and out, at most 256×256 of them, and at
// least 16 tiles of 4×4 in the batch; and with few channels where the
// assembly transforms take the rows whole (winograd4Small: ResNet-20's
// 32×32 and 16×16 layers, where the GEMMs are thin and the transforms'
// traffic, 36 entries per 16 outputs where F(2×2) has 16 per 4, weighs
// most; see the measures after the list):
//   - below 128 channels the transforms, which cost per tile and channel,
//     eat the GEMMs' gain (64 and 96 channels: at par; rows of fewer
//     than 8 tiles, at 16×16 and less, ran the assembly transforms on 8
//     tiles through a buffer then; 16 wide now pairs rows, pairRows);
//   - below 16 tiles (batch 1 at 7×7: 4) the GEMMs are thinner than the
//     micro-kernel's 16 columns and fall to gonum's, 15-20 times slower;
//   - above 256×256 channels (VGG's 512-channel layers) F(4×4) still
//     gains 5-35%, but an inference graph keeps each layer's transformed
//     filters, 36/9 of its weights where F(2×2) keeps 16/9: 21 MB more
//     for each 512×512 layer, about 100 MB more for VGG-16, whose
//     inference already takes more memory than PyTorch's.
//
// BenchmarkWinograd with one worker (GOMAXPROCS=1 -test.cpu 1
// -benchtime 3x -count 4), least CPU ms of the 4, same run (a box
// loaded 6 times over by other jobs: wall times varied 3x, CPU times by
// up to 25%):
//
//	batch/in/size/out   F(2×2)  F(4×4)
//	1/64/56/64            3.22    3.25   resnet18/34/50
//	1/128/28/128          3.72    3.40
//	1/256/14/256          4.59    3.61
//	1/512/7/512           6.19  101.00
//	1/64/224/64          40.93   39.22   vgg16
//	1/128/112/128        59.50   35.25
//	1/256/56/256         34.89   29.83
//	1/512/28/512         35.50   28.38 (a second run: 37.44, 35.57)
//	1/512/14/512         15.71   10.14 (15.16, 12.57)
//	1/64/56/192           6.44    6.06   googlenet
//	1/96/28/128           2.25    2.42
//	1/16/28/32            0.19    0.20
//	1/128/14/256          2.02    1.12
//	1/32/14/64            0.14    0.20
//	1/160/7/320           0.79   18.90
//	64/16/32/16           6.85    5.46   resnet20 b64
//	64/32/16/32           6.59    8.70
//	64/64/8/64            7.98    9.87
//	8/64/56/64           19.72   16.42   resnet18 b8
//	8/256/14/256         19.37   17.86
//
// Since e4b7873 (strip filled once per sample), winograd-neww, 2
// workers, CPU ms, 3 alternated runs: 64/16/32/16 F(2×2) 9.81 7.87
// 6.56, F(4×4) 6.30 5.04 4.31; 64/32/16/32 F(2×2) 5.38 5.13 3.85,
// F(4×4) 8.18 7.07 5.72, and with two rows of 4 tiles at a time
// (pairRows): F(2×2) 5.62 5.65 5.48, F(4×4) 4.77 4.68 4.70.
func winogradTile(g *convGeom, n int) int {
	switch winograd4Use {
	case winogradAlways:
		return 4
	case winogradNever:
		return 2
	}
	tiles := n * ((g.oh + 3) / 4) * ((g.ow + 3) / 4)
	if g.c >= 128 && g.outC >= 128 && g.c*g.outC <= 256*256 && tiles >= 16 {
		return 4
	}
	if winograd4Small(g) {
		return 4
	}
	return 2
}

// winograd4Small reports whether g has 16 channels at most in and out
// and rows of 8 tiles of 4×4 or more, or 32 channels at most and
// outputs 16 wide (rows of 4 tiles, which the assembly transforms take
// two rows at a time: pairRows), where F(4×4) pays however few the
// channels (winogradTile).
func winograd4Small(g *convGeom) bool {
	return g.c <= 16 && g.outC <= 16 && (g.ow+3)/4 >= 8 || g.c <= 32 && g.outC <= 32 && g.ow == 16
}

// winograd4Chunk is the most tiles one worker transforms and multiplies
// at a time on the F(4×4) path (winogradChunk: F(2×2)'s).
var winograd4Chunk = 64

// maxChunk is the most tiles of a chunk for the call's tile size.
func (k *winograd) maxChunk() int {
	if k.tile == 4 {
		return winograd4Chunk
	}
	return winogradChunk
}

// setTile sets the tile side t of the call and what follows from it.
func (k *winograd) setTile(t int) {
	if t != k.tile {
		k.own = winogradFilters{} // the other transform's
	}
	k.tile, k.xis = t, (t+2)*(t+2)
	k.tilesH, k.tilesW = (k.g.oh+t-1)/t, (k.g.ow+t-1)/t
}

// filter, input and output run the transforms of the call's tile size.
func (k *winograd) filter(w, u []float32, o, outC, c int) {
	if k.tile == 4 {
		winogradFilter4(w, u, o, outC, c)
	} else {
		winogradFilter(w, u, o, outC, c)
	}
}

func (k *winograd) input(v []float32, stride, c, t0, t1, worker int) {
	if k.tile == 4 {
		k.inputTiles4(v, stride, c, t0, t1, worker)
	} else {
		k.inputTiles(v, stride, c, t0, t1, worker)
	}
}

func (k *winograd) output(m []float32, stride, o, t0, t1 int) {
	if k.tile == 4 {
		k.outputTiles4(m, stride, o, t0, t1)
	} else {
		k.outputTiles(m, stride, o, t0, t1)
	}
}

// inputTiles4 writes V = Bᵀ d B of channel c for tiles [t0, t1): entry ξ
// of tile t goes to v[ξ*stride + t-t0]. As in inputTiles, the input rows
// under the tile rows of one sample that the range touches are copied,
// zero-padded and the full width of the tiles, into worker's strip, once
// (6 rows per tile row read each row 1.5 times in many small copies).
// Runs of 8 tiles go to the assembly transform, and so do two rows of 4
// (16×16 outputs: pairRows), and shorter runs (rows of 7 tiles at 28×28,
// or a chunk's end), through a buffer: the 8 tiles that end at the
// row's end, or from its start where the row has fewer (those past the
// row read the rows below, or fillStrip's slack, and are not kept).
func (k *winograd) inputTiles4(v []float32, stride, c, t0, t1, worker int) {
	paired := false // the run is the second of a pair (see pairRows)
	k.stripRows(c, t0, t1, worker, func(row []float32, sw, t, ty, tx0, tx1 int) {
		if paired {
			paired = false
			return
		}
		if k.pairRows(t, ty, tx0, tx1, t1-t0) { // this tile row and the next as 8 tiles
			o := v[t:]
			_ = o[35*stride+7]
			_ = row[9*sw+23]
			var tmp [288]float32
			winograd4Input8(&row[0], &row[4*sw], sw, &o[0], stride, &tmp[0])
			paired = true
			return
		}
		if nt := tx1 - tx0; winogradSIMD && nt < 8 {
			s := max(0, min(tx0, k.tilesW-8))
			var vt [36 * 8]float32
			var tmp [288]float32
			_ = row[5*sw+4*s+39] // fillStrip's slack
			winograd4Input8(&row[4*s], &row[4*s+16], sw, &vt[0], 8, &tmp[0])
			o := v[t:]
			_ = o[35*stride+nt-1]
			for xi := range 36 {
				copy(o[xi*stride:][:nt], vt[8*xi+tx0-s:][:nt])
			}
			return
		}
		for tx := tx0; tx < tx1; tx, t = tx+1, t+1 {
			if winogradSIMD {
				// 8 tiles at once, the last 8 of the run where fewer are
				// left (recomputing some: same values).
				s := min(tx, tx1-8)
				o := v[t+s-tx:]
				_ = o[35*stride+7]
				_ = row[5*sw+4*s+39] // fillStrip's slack
				var tmp [288]float32
				winograd4Input8(&row[4*s], &row[4*s+16], sw, &o[0], stride, &tmp[0])
				t += s + 7 - tx
				tx = s + 7
				continue
			}
			p := row[4*tx:]
			_ = p[5*sw+5]
			// Bᵀ d down the columns, then the same along the rows of the result.
			var a [36]float32
			for j := range 6 {
				a[j], a[6+j], a[12+j], a[18+j], a[24+j], a[30+j] = bt6(p[j], p[sw+j], p[2*sw+j], p[3*sw+j], p[4*sw+j], p[5*sw+j])
			}
			o := v[t:]
			_ = o[35*stride]
			for r := range 6 {
				q := o[6*r*stride:]
				q[0], q[stride], q[2*stride], q[3*stride], q[4*stride], q[5*stride] = bt6(a[6*r], a[6*r+1], a[6*r+2], a[6*r+3], a[6*r+4], a[6*r+5])
			}
		}
	})
}

// bt6 is Bᵀ times the column (d0, …, d5), in the order of operations of
// the assembly's BT6.
func bt6(d0, d1, d2, d3, d4, d5 float32) (float32, float32, float32, float32, float32, float32) {
	e, c := d3-d1, d4-d2
	u, w := c+1.5*d3, 1.5*d2+e
	return d0 + d4 - 2*d2 + 1.5*e, u + w, u - w, c + 2*e, c - 0.5*e, d1 + d5 - 2*d3 + 1.5*c
}

// at6 is Aᵀ times the column (m0, …, m5), in the order of operations of
// the assembly's AT6.
func at6(m0, m1, m2, m3, m4, m5 float32) (float32, float32, float32, float32) {
	s, d := m1+m2, m1-m2
	return m0 + s + m3 + m4, d + 0.5*m3 - 2*m4, s + 0.25*m3 + 4*m4, d + 0.125*m3 - 8*m4 + m5
}

// outputTiles4 writes Y = Aᵀ m A + bias of output channel o for tiles
// [t0, t1), entry ξ of tile t being m[ξ*stride + t-t0]; a tile past the
// output's edge writes only what lies inside.
func (k *winograd) outputTiles4(m []float32, stride, o, t0, t1 int) {
	g := &k.g
	var bias float32
	if k.b != nil {
		bias = k.b[o]
	}
	paired := false // the run is the second of a pair (see pairRows)
	k.rows(t0, t1, func(t, n, ty, tx0, tx1 int) {
		plane := k.out[(n*g.outC+o)*g.ohw:][:g.ohw]
		y0 := 4 * ty
		ny := min(4, g.oh-y0)
		if paired {
			paired = false
			return
		}
		if g.ow == 16 && y0+8 <= g.oh && k.pairRows(t, ty, tx0, tx1, t1-t0) {
			i := m[t:]
			_ = i[35*stride+7]
			_ = plane[(y0+7)*16+15]
			var tmp [192]float32
			winograd4Output8(&i[0], stride, &plane[y0*16], &plane[(y0+4)*16], 16, bias, 4, &tmp[0])
			paired = true
			return
		}
		for tx := tx0; tx < tx1; tx, t = tx+1, t+1 {
			if winogradSIMD {
				// 8 tiles from s, as in inputTiles4; in a shorter run,
				// the entries past it are other tiles' or xiStride's
				// skew, and their outputs are not written.
				s := max(tx0, min(tx, tx1-8))
				e := min(s+8, tx1)
				i := m[t+s-tx:]
				_ = i[35*stride+7]
				x0, x1 := 4*s, min(g.ow, 4*e)
				var tmp [192]float32
				if x1-x0 == 32 {
					_ = plane[(y0+ny-1)*g.ow+x0+31]
					winograd4Output8(&i[0], stride, &plane[y0*g.ow+x0], &plane[y0*g.ow+x0+16], g.ow, bias, ny, &tmp[0])
				} else { // through a buffer: the row ends before 8 tiles
					var yt [4 * 32]float32
					winograd4Output8(&i[0], stride, &yt[0], &yt[16], 32, bias, ny, &tmp[0])
					for r := range ny {
						copy(plane[(y0+r)*g.ow+x0:][:x1-x0], yt[32*r:][:x1-x0])
					}
				}
				t += e - 1 - tx
				tx = e - 1
				continue
			}
			i := m[t:]
			_ = i[35*stride]
			// Aᵀ m down the columns, then along the rows.
			var a [24]float32
			for j := range 6 {
				a[j], a[6+j], a[12+j], a[18+j] = at6(i[j*stride], i[(6+j)*stride], i[(12+j)*stride], i[(18+j)*stride], i[(24+j)*stride], i[(30+j)*stride])
			}
			x0 := 4 * tx
			nx := min(4, g.ow-x0)
			for r := range ny {
				var y [4]float32
				y[0], y[1], y[2], y[3] = at6(a[6*r], a[6*r+1], a[6*r+2], a[6*r+3], a[6*r+4], a[6*r+5])
				row := plane[(y0+r)*g.ow+x0:][:nx]
				for c := range row {
					row[c] = y[c] + bias
				}
			}
		}
	})
}

// winogradFilter4 writes U = G g Gᵀ for output channel o, as
// winogradFilter does for F(2×2), computed in float64 and rounded once.
func winogradFilter4(w, u []float32, o, outC, c int) {
	const block = 32
	var blk [36 * block]float32
	for c0 := 0; c0 < c; c0 += block {
		nb := min(block, c-c0)
		for ci := range nb {
			var t [36]float32
			winogradFilter4Tile(w[(c0+ci)*9:][:9], &t)
			for xi, v := range t {
				blk[xi*block+ci] = v
			}
		}
		for xi := range 36 {
			copy(u[(xi*outC+o)*c+c0:][:nb], blk[xi*block:][:nb])
		}
	}
}

// winogradFilter4Tile writes G g Gᵀ of the 3×3 filter g to t, entry ξ
// at index ξ, computed in float64 and rounded once.
func winogradFilter4Tile(g []float32, t *[36]float32) {
	g = g[:9]
	var a [18]float64 // G g, 6×3
	for j := range 3 {
		a[j], a[3+j], a[6+j], a[9+j], a[12+j], a[15+j] = gt6(float64(g[j]), float64(g[3+j]), float64(g[6+j]))
	}
	for i := range 6 {
		var r [6]float64
		r[0], r[1], r[2], r[3], r[4], r[5] = gt6(a[3*i], a[3*i+1], a[3*i+2])
		for q, v := range r {
			t[6*i+q] = float32(v)
		}
	}
}

// gt6 is G times the column (g0, g1, g2).
func gt6(g0, g1, g2 float64) (float64, float64, float64, float64, float64, float64) {
	return g0, (g0 + g1 + g2) / 3, -(g0 - g1 + g2) / 3, -(16*g0 + 8*g1 + 4*g2) / 15, (g0 - 2*g1 + 4*g2) / 15, g2
}
