//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// The AVX2/FMA kernels of vec_amd64.s. n > 0; all but addAVX2 and
// addRowsAVX2 take a multiple of 8.

//go:noescape
func addAVX2(n int, dst, x, y *float32)

//go:noescape
func addRowsAVX2(rows, width int, dst *float32, dpitch int, src *float32, spitch int)

//go:noescape
func maxPool2x2AVX2(n int, top, bot, out *float32, idx *int32, offs *int32, base, w int32)

//go:noescape
func maxPoolAVX2(n int, x, out *float32, idx *int32, offs *int32, base int32, w, kh, kw, s int)

//go:noescape
func reluAVX2(n int, dst, x *float32)

//go:noescape
func reluGradAVX2(n int, dst, x, dy *float32)

//go:noescape
func scaleShiftAVX2(n int, dst, x *float32, a, b float32)

//go:noescape
func linCombAVX2(n int, dst, x, y *float32, a, b, m, c float32)

//go:noescape
func sumAVX2(n int, x *float32) float64

//go:noescape
func sumSqDevAVX2(n int, x *float32, mean float64) float64

//go:noescape
func sumDyDevAVX2(n int, x, dy *float32, mean float64) (sd, sdx float64)

//go:noescape
func maxPool2x2ValuesAVX2(n int, top, bot, out *float32)

//go:noescape
func maxRowPairsAVX2(rows, w int, x, dst *float32)

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		asm = &kernels{add: addAVX2, addRows: addRowsAVX2, scaleShift: scaleShiftAVX2, linComb: linCombAVX2,
			sum: sumAVX2, relu: reluAVX2, reluGrad: reluGradAVX2, maxPool2x2: maxPool2x2AVX2, maxPool2x2Values: maxPool2x2ValuesAVX2, maxRowPairs: maxRowPairsAVX2, maxPool: maxPoolAVX2, sumSqDev: sumSqDevAVX2, sumDyDev: sumDyDevAVX2}
	}
}
