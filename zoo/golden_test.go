package zoo

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/graph"
	"gorgonia.org/tensor"
)

// goldenFill is testdata/golden.py's fill: deterministic weights, running
// statistics and inputs both sides can compute.
func goldenFill(name string, shape tensor.Shape) []float64 {
	n := shape.TotalSize()
	ph := float64(len(name)) * 0.1
	v := make([]float64, n)
	scale := 1.0
	if shape.Dims() > 1 {
		scale = math.Sqrt(3 / float64(n/shape[0]))
	}
	for j := range v {
		x := math.Sin(0.37*float64(j) + ph)
		switch {
		case strings.HasSuffix(name, "running_var"):
			v[j] = 1 + 0.5*x*x
		case strings.HasSuffix(name, "running_mean"), strings.HasSuffix(name, "bias"):
			v[j] = 0.1 * x
		case shape.Dims() == 1:
			v[j] = 1 + 0.2*x
		default:
			v[j] = scale * x
		}
	}
	return v
}

// TestGoldenForward compares float64 evaluation-mode logits with PyTorch's
// for the same weights (testdata/golden.py wrote the expected values with
// torchvision 0.14.1 and PyTorch 1.13.1).
func TestGoldenForward(t *testing.T) {
	inputs := map[string][]int{
		"lenet": {2, 1, 28, 28}, "resnet20": {2, 3, 32, 32}, "alexnet": {2, 3, 64, 64}, "vgg11_bn": {2, 3, 32, 32},
		"googlenet": {2, 3, 64, 64}, "resnet18": {2, 3, 64, 64}, "resnet50": {2, 3, 64, 64},
	}
	f, err := os.Open("testdata/golden_forward.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		name := fields[0]
		var want []float64
		for _, s := range fields[1:] {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, v)
		}
		t.Run(name, func(t *testing.T) {
			s, err := Get(name)
			if err != nil {
				t.Fatal(err)
			}
			ps := graph.NewParams()
			in := inputs[name]
			net, err := graph.Compile(s.New(Config{Classes: 10}), ps, graph.CompileConfig{Batch: in[0], Input: in[1:], Dtype: tensor.Float64})
			if err != nil {
				t.Fatal(err)
			}
			defer net.Close()
			for _, p := range ps.All() {
				copy(p.Value.Data().([]float64), goldenFill(p.Name, p.Value.Shape()))
			}
			y, err := net.Forward(tensor.New(tensor.WithShape(in...), tensor.WithBacking(goldenFill("input", tensor.Shape(in)))))
			if err != nil {
				t.Fatal(err)
			}
			got := y.Data().([]float64)
			if len(got) != len(want) {
				t.Fatalf("%d logits, want %d", len(got), len(want))
			}
			worst := 0.0
			for i := range got {
				worst = max(worst, math.Abs(got[i]-want[i])/max(1, math.Abs(want[i])))
			}
			if worst > 1e-9 {
				t.Errorf("max relative error %.3g (got %.6g..., want %.6g...)", worst, got[:3], want[:3])
			}
			t.Logf("max relative error %.3g", worst)
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}
