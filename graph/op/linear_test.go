package op

import (
	"encoding/json"
	"fmt"
	"github.com/convzoo/convzoo/graph/op/internal/gemm"
	"math/rand"
	"os"
	"strings"
	"sync"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func linearBuild(bias bool) func(in G.Nodes) (*G.Node, error) {
	return func(in G.Nodes) (*G.Node, error) {
		if bias {
			return Linear(in[0], in[1], in[2])
		}
		return Linear(in[0], in[1], nil)
	}
}

func TestLinearGrad(t *testing.T) {
	for _, bias := range []bool{true, false} {
		t.Run(fmt.Sprintf("bias=%t", bias), func(t *testing.T) {
			rng := rand.New(rand.NewSource(8))
			in := []*tensor.Dense{randTensor(rng, 4, 5), randTensor(rng, 3, 5)}
			wrt := []bool{true, true}
			if bias {
				in = append(in, randTensor(rng, 3))
				wrt = append(wrt, true)
			}
			checkGrad(t, linearBuild(bias), in, wrt)
			t.Run("float32", func(t *testing.T) { checkF32(t, linearBuild(bias), in...) })
		})
	}
}

// naiveGemm is C = op(A)·op(B) + beta·C by the definition.
func naiveGemm(tA, tB bool, m, n, k int, a, b []float64, beta float64, c []float64) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for l := 0; l < k; l++ {
				av, bv := a[i*k+l], b[l*n+j]
				if tA {
					av = a[l*m+i]
				}
				if tB {
					bv = b[j*k+l]
				}
				s += av * bv
			}
			c[i*n+j] = s + beta*c[i*n+j]
		}
	}
}

// TestGemm covers the tiled and the pool-split GEMM, every transpose, in
// both dtypes, against the definition.
func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	const m, n, k = 150, 410, 70
	a, b := tValues(randTensor(rng, m*k)), tValues(randTensor(rng, k*n))
	c0 := tValues(randTensor(rng, m*n))
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			for _, beta := range []float64{0, 1} {
				want := append([]float64(nil), c0...)
				naiveGemm(tA, tB, m, n, k, a, b, beta, want)
				lda, ldb := k, n
				if tA {
					lda = m
				}
				if tB {
					ldb = k
				}
				name := fmt.Sprintf("tA=%t/tB=%t/beta=%g", tA, tB, beta)
				got := append([]float64(nil), c0...)
				gemm.Gemm(tA, tB, m, n, k, a, lda, b, ldb, beta, got, n)
				tNear(t, name+"/float64", got, want, 1e-12)
				j := &gemm.Job[float32]{TA: tA, TB: tB, M: m, N: n, K: k, LDA: lda, LDB: ldb, LDC: n, Beta: float32(beta),
					A: f32s(a), B: f32s(b), C: f32s(c0)}
				j.Run(new(sync.WaitGroup))
				tNear(t, name+"/float32", f64s(j.C), want, 1e-4)
			}
		}
	}
}

func f32s(x []float64) []float32 {
	r := make([]float32, len(x))
	for i, v := range x {
		r[i] = float32(v)
	}
	return r
}

func f64s(x []float32) []float64 {
	r := make([]float64, len(x))
	for i, v := range x {
		r[i] = float64(v)
	}
	return r
}

// TestLinearGolden checks the forward pass against PyTorch's F.linear
// (testdata/gen_conv_golden.py), plus one large case split over workers
// against the definition.
func TestLinearGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/conv_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Linear []map[string]json.RawMessage }
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	for _, m := range file.Linear {
		var c struct {
			Name       string
			XShape     []int `json:"x_shape"`
			WShape     []int `json:"w_shape"`
			X, W, B, Y []float64
		}
		mustJSON(t, m, &c)
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(c.Name+"/"+dt.String(), func(t *testing.T) {
				in := []*tensor.Dense{tFill(dt, c.X, c.XShape...), tFill(dt, c.W, c.WShape...)}
				if c.B != nil {
					in = append(in, tFill(dt, c.B, c.WShape[0]))
				}
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 1e-5
				}
				tNear(t, "output", forward(t, linearBuild(c.B != nil), in...), c.Y, tol)
			})
		}
	}
	t.Run("large", func(t *testing.T) {
		rng := rand.New(rand.NewSource(10))
		x, w, b := randTensor(rng, 64, 300), randTensor(rng, 200, 300), randTensor(rng, 200)
		want := make([]float64, 64*200)
		fillRows(want, tValues(b))
		naiveGemm(false, true, 64, 200, 300, tValues(x), tValues(w), 1, want)
		tNear(t, "output", forward(t, linearBuild(true), x, w, b), want, 1e-12)
	})
}

func TestLinearErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		xs, ws, bs []int
		want       []string
	}{
		{"inFeatures", []int{4, 5}, []int{3, 6}, nil, []string{"(4, 5)", "(3, 6)"}},
		{"x3D", []int{4, 5, 1}, []int{3, 5}, nil, []string{"(4, 5, 1)", "(3, 5)"}},
		{"bias", []int{4, 5}, []int{3, 5}, []int{4}, []string{"bias (4)", "(3, 5)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			x := G.NewTensor(g, tensor.Float32, len(tc.xs), G.WithShape(tc.xs...), G.WithName("x"))
			w := G.NewTensor(g, tensor.Float32, len(tc.ws), G.WithShape(tc.ws...), G.WithName("w"))
			var b *G.Node
			if tc.bs != nil {
				b = G.NewTensor(g, tensor.Float32, 1, G.WithShape(tc.bs...), G.WithName("b"))
			}
			_, err := Linear(x, w, b)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range append([]string{"Linear"}, tc.want...) {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}
