package op

import (
	"fmt"
	"math/rand"
	"testing"

	"gorgonia.org/tensor"
)

// winograd4Tol bounds the F(4×4,3×3) error relative to the largest
// output magnitude, against float64 arithmetic on the same float32
// inputs (see winogradTol). On the 35 zoo shapes at full size (go test
// -run TestWinograd4Zoo -v, without -short) it is 1.2e-6 to 5.0e-6
// (absolute: at most 5.1e-4), float32 im2col's 1.9e-7 to 7.5e-7; with
// the points 0, ±1, ±2 it was 2.6e-6 to 2.0e-5.
const winograd4Tol = 1e-5

// with4 runs f with winogradTile forced to mode.
func with4(mode winogradMode, f func()) {
	defer func(m winogradMode) { winograd4Use = m }(winograd4Use)
	winograd4Use = mode
	f()
}

// TestWinograd4Transform: the transforms of one tile, through the
// kernel (one channel in and out, a 6×6 input, padding 0: one 4×4 tile),
// equal the direct convolution in float64 within float32 rounding; the
// forced mode takes the F(4×4) path.
func TestWinograd4Transform(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	for range 20 {
		checkWinograd(t, rng, winogradCase{name: "one tile", n: 1, c: 1, h: 6, w: 6, o: 1, tile: 4}, 1)
	}
	k := &convKernel{}
	x, w := toF32(randTensor(rng, 1, 1, 6, 6)), toF32(randTensor(rng, 1, 1, 3, 3))
	out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(1, 1, 4, 4))
	withWinograd(winogradAlways, 0, func() {
		with4(winogradAlways, func() {
			if err := k.forward([]*tensor.Dense{x, w}, out); err != nil {
				t.Fatal(err)
			}
		})
	})
	if k.wino.tile != 4 || k.wino.xis != 36 || k.wino.tiles != 1 {
		t.Errorf("forced F(4×4): tile %d, %d positions, %d tiles; want 4, 36, 1", k.wino.tile, k.wino.xis, k.wino.tiles)
	}
}

// TestWinograd4Odd: output sizes that are not multiples of the 4×4 tile
// (1, 2, 3, 5, 7, 13, 14, ...), padding 0, 1 and 2, batch 1 and 3, bias
// or none, one worker and two, with the assembly transforms and without;
// rows wide enough for runs of 8 tiles, with and without a remainder.
func TestWinograd4Odd(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	eachWinogradSetting(t, func(simd bool, workers int) {
		for _, pad := range []int{0, 1, 2} {
			for _, s := range [][2]int{{1, 1}, {2, 3}, {3, 3}, {5, 7}, {7, 7}, {13, 14}, {14, 13}, {8, 9}, {11, 4}, {6, 37}, {9, 40}, {4, 33}, {3, 70}} {
				if s[0]+2*pad < 3 || s[1]+2*pad < 3 {
					continue
				}
				for _, n := range []int{1, 3} {
					c := winogradCase{name: fmt.Sprintf("odd4/simd=%t/w%d", simd, workers), n: n, c: 5, h: s[0], w: s[1], o: 7, pad: pad, bias: n == 3, tile: 4}
					checkWinograd(t, rng, c, workers)
				}
			}
		}
	})
}

// TestWinograd4Zoo bounds the F(4×4) error on every 3×3 stride-1 shape
// of the zoo, as TestWinogradZoo does for F(2×2).
func TestWinograd4Zoo(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, z := range zooWinograd {
		hw := z.hw
		if testing.Short() {
			hw = min(hw, 16)
		}
		checkWinograd(t, rng, winogradCase{name: z.model, n: z.batch, c: z.c, h: hw, w: hw, o: z.o, pad: 1, bias: true, tile: 4}, 0)
	}
}

// TestWinograd4Paths runs the F(2×2) kernel tests on the F(4×4) path:
// kept columns, gradients through a graph with the columns kept or
// rebuilt, weights that change, filters shared between goroutines (run
// it with -race), the borrowed filters of a training graph, no
// allocation per call.
func TestWinograd4Paths(t *testing.T) {
	with4(winogradAlways, func() {
		t.Run("keep", TestWinogradKeep)
		t.Run("grad", TestWinogradGrad)
		t.Run("weights-change", TestWinogradWeightsChange)
		t.Run("shared", TestWinogradShared)
		t.Run("differentiated", TestWinogradDifferentiated)
		t.Run("no-alloc", TestWinogradNoAlloc)
	})
}

// TestWinograd4Switch: one kernel whose tile size changes between calls
// with the same weights does not reuse the filters it kept for the
// other transform: on 10×10, and on outputs of 2×2 and less, where both
// tile sizes give one tile an image, so that the filters' geometry
// (O, C, chunk) is the same for both and only the tile tells them apart
// (batches of 16 or more: chunks wide enough for the micro-kernel, whose
// packed filters are the ones kept).
func TestWinograd4Switch(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	for _, s := range []struct{ n, hw, pad int }{{1, 10, 1}, {20, 4, 0}, {17, 1, 1}} {
		x, w := toF32(randTensor(rng, s.n, 8, s.hw, s.hw)), toF32(randTensor(rng, 6, 8, 3, 3))
		k := &convKernel{p: ConvParams{PadH: s.pad, PadW: s.pad}}
		o := s.hw + 2*s.pad - 2
		out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s.n, 6, o, o))
		want, _ := naiveConv(tValues(x), tValues(w), nil, x.Shape(), w.Shape(), k.p)
		withWinograd(winogradAlways, 0, func() {
			for step, mode := range []winogradMode{winogradNever, winogradAlways, winogradAlways, winogradNever} {
				with4(mode, func() {
					if err := k.forward([]*tensor.Dense{x, w}, out); err != nil {
						t.Fatal(err)
					}
				})
				if _, rel := convErr(tValues(out), want); !(rel <= winograd4Tol) {
					t.Errorf("%d×%d, batch %d, step %d (tile %d): error %.3g relative to the direct convolution", o, o, s.n, step, k.wino.tile, rel)
				}
			}
		})
	}
}

// TestWinograd4SIMD: the assembly transforms give the scalar ones' bits
// (same operations in the same order), on rows of 8 tiles and more and
// of fewer (through buffers), cut or not at the right edge and at the
// bottom, with padding 0 to 2.
func TestWinograd4SIMD(t *testing.T) {
	if !hasWinogradSIMD {
		t.Skip("no assembly transforms on this CPU")
	}
	defer func(s bool) { winogradSIMD = s }(winogradSIMD)
	rng := rand.New(rand.NewSource(13))
	for _, s := range [][2]int{{9, 70}, {14, 33}, {4, 32}, {33, 64}, {28, 28}, {13, 13}, {5, 3}, {6, 30}} {
		for pad := range 3 {
			x, w, b := toF32(randTensor(rng, 2, 3, s[0], s[1])), toF32(randTensor(rng, 5, 3, 3, 3)), toF32(randTensor(rng, 5))
			p := ConvParams{PadH: pad, PadW: pad}
			var got [2][]float64
			withWinograd(winogradAlways, 0, func() {
				with4(winogradAlways, func() {
					for i, simd := range []bool{false, true} {
						winogradSIMD = simd
						got[i], _ = convDirect(t, x, w, b, p, false)
					}
				})
			})
			for i := range got[0] {
				if got[0][i] != got[1][i] {
					t.Fatalf("x %v pad %d: output %d = %g with the assembly, %g without", x.Shape(), pad, i, got[1][i], got[0][i])
				}
			}
		}
	}
}

// TestWinogradTile: the rule of winogradTile on zoo shapes.
func TestWinogradTile(t *testing.T) {
	for _, c := range []struct {
		n, c, hw, o, want int
	}{
		{1, 64, 56, 64, 2}, {1, 128, 28, 128, 4}, {1, 256, 14, 256, 4}, {1, 512, 7, 512, 2}, // resnet18 b1
		{8, 64, 56, 64, 2}, {8, 256, 14, 256, 4}, {64, 64, 8, 64, 2}, // resnet18 b8, resnet20
		{1, 64, 224, 64, 2}, {1, 128, 112, 128, 4}, {1, 256, 28, 512, 2}, {1, 512, 14, 512, 2}, // vgg16
		{1, 96, 28, 128, 2}, {1, 128, 14, 256, 4}, {1, 160, 7, 320, 2}, // googlenet
		{4, 160, 7, 320, 4}, {3, 160, 7, 320, 2}, // 16 and 12 tiles
		{1, 32, 14, 64, 2}, {1, 16, 28, 32, 2}, {1, 128, 28, 64, 2}, // few channels
		{64, 16, 32, 16, 4}, {1, 16, 32, 16, 4}, {64, 16, 28, 16, 2}, {64, 16, 32, 32, 2}, // resnet20's 16 channels: rows of 8 tiles
		{64, 32, 16, 32, 4}, {64, 32, 14, 32, 2}, {64, 32, 16, 64, 2}, {64, 64, 16, 32, 2}, // resnet20's 32: rows of 4, paired
	} {
		g := newConvGeom(c.c, c.hw, c.hw, c.o, 3, 3, ConvParams{PadH: 1, PadW: 1})
		if got := winogradTile(&g, c.n); got != c.want {
			t.Errorf("batch %d, %d channels, %d², %d out: tile %d, want %d", c.n, c.c, c.hw, c.o, got, c.want)
		}
	}
	// The data gradient: F(4×4) by the rule for few channels only.
	for _, c := range []struct{ c, hw, o, want int }{
		{16, 32, 16, 4}, {32, 16, 32, 4}, {64, 8, 64, 2}, {16, 28, 16, 2}, {128, 28, 128, 2}, {256, 14, 256, 2},
	} {
		g := newConvGeom(c.c, c.hw, c.hw, c.o, 3, 3, ConvParams{PadH: 1, PadW: 1})
		if gx := xgradGeom(&g); xgradTile(&gx) != c.want {
			t.Errorf("data gradient of %d channels, %d², %d out: tile %d, want %d", c.c, c.hw, c.o, xgradTile(&gx), c.want)
		}
	}
}

// TestWinogradAutoTileNoAlloc: on ResNet-20's layers, with the tile the
// automatic rule chooses (F(4×4) at 32 wide and 16 wide, the latter two
// tile rows at a time; F(2×2) at 8 wide, paired too), the forward and
// the data gradient allocate nothing after their first call.
func TestWinogradAutoTileNoAlloc(t *testing.T) {
	if raceOn {
		t.Skip("allocation counts under -race are not the program's")
	}
	rng := rand.New(rand.NewSource(16))
	for _, s := range []struct{ c, hw, tile int }{{16, 32, 4}, {32, 16, 4}, {64, 8, 2}} {
		x, w := toF32(randTensor(rng, 4, s.c, s.hw, s.hw)), toF32(randTensor(rng, s.c, s.c, 3, 3))
		k := &convKernel{p: ConvParams{PadH: 1, PadW: 1}}
		out := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(4, s.c, s.hw, s.hw))
		xg := &convXGrad{fw: k, xShape: x.Shape()}
		dx := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(x.Shape()...))
		fin, xin := []*tensor.Dense{x, w}, []*tensor.Dense{w, out}
		withWinograd(winogradAlways, 0, func() {
			withXGrad(winogradAlways, func() {
				for _, call := range []struct {
					name string
					run  func() error
					tile *int
				}{
					{"forward", func() error { return k.forward(fin, out) }, &k.wino.tile},
					{"data gradient", func() error { return xg.forward(xin, dx) }, &xg.wino.tile},
				} {
					if err := call.run(); err != nil {
						t.Fatal(err)
					}
					if a := testing.AllocsPerRun(5, func() { _ = call.run() }); a != 0 || *call.tile != s.tile {
						t.Errorf("%d channels, %d²: %s on F(%d×%d), %v allocations per call; want F(%d×%d), 0",
							s.c, s.hw, call.name, *call.tile, *call.tile, a, s.tile, s.tile)
					}
				}
			})
		})
	}
}
