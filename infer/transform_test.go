package infer

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/convzoo/convzoo/internal/pyref"
)

type manifest struct {
	Transforms []struct {
		Image, Dataset, Tensor string
		Shape                  []int
	}
	Resizes []struct {
		Image, Mode, Pixels string
		Size                []int
	}
}

// torchvisionCases writes testdata/preprocess.py's pictures and
// torchvision's results into a temporary folder.
func torchvisionCases(t *testing.T) (string, manifest) {
	t.Helper()
	dir := t.TempDir()
	pyref.Run(t, "testdata/preprocess.py", dir)
	var m manifest
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil || len(m.Transforms) == 0 || len(m.Resizes) == 0 {
		t.Fatalf("manifest: %v (%d transforms, %d resizes)", err, len(m.Transforms), len(m.Resizes))
	}
	return dir, m
}

// TestMatchesTorchvision runs testdata/preprocess.py once (importing
// torchvision takes a while) and checks the transforms and the resizes.
func TestMatchesTorchvision(t *testing.T) {
	dir, m := torchvisionCases(t)
	t.Run("transform", func(t *testing.T) { testTransforms(t, dir, m) })
	t.Run("resize", func(t *testing.T) { testResizes(t, dir, m) })
}

// testTransforms compares Transform.Apply with torchvision's evaluation
// transform on the same files: PNG, BMP (exact decodes) within mean
// |diff| 1e-3 and max 2e-2 (measured: 0, bit for bit); JPEG is reported
// (Go's decoder differs from libjpeg's).
func testTransforms(t *testing.T, dir string, m manifest) {
	for _, c := range m.Transforms {
		t.Run(c.Image, func(t *testing.T) {
			img, err := DecodeFile(filepath.Join(dir, c.Image), DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ds, err := DatasetNamed(c.Dataset)
			if err != nil {
				t.Fatal(err)
			}
			tr := ds.Transform
			if got := []int{tr.Channels(), tr.Height, tr.Width}; !slices.Equal(got, c.Shape) {
				t.Fatalf("transform shape %v, torchvision's %v", got, c.Shape)
			}
			want := readF32(t, filepath.Join(dir, c.Tensor))
			got := make([]float32, len(want))
			if err := tr.Apply(img, got); err != nil {
				t.Fatal(err)
			}
			var sum, worst float64
			for i := range want {
				d := math.Abs(float64(got[i] - want[i]))
				sum += d
				worst = max(worst, d)
			}
			mean := sum / float64(len(want))
			t.Logf("%s (%s): mean |Go - torchvision| = %.3g, max = %.3g", c.Image, c.Dataset, mean, worst)
			if strings.HasSuffix(c.Image, ".jpg") {
				if mean > 0.05 {
					t.Errorf("JPEG differs by %.3g on average: more than decoder differences explain", mean)
				}
				return
			}
			if mean > 1e-3 || worst > 2e-2 {
				t.Errorf("mean |diff| %.3g (limit 1e-3), max %.3g (limit 2e-2)", mean, worst)
			}
		})
	}
}

// testResizes requires the resized bytes to equal Pillow's
// Image.resize(BILINEAR) exactly, down- and upscaling, RGB and grey.
func testResizes(t *testing.T, dir string, m manifest) {
	for _, c := range m.Resizes {
		img, err := DecodeFile(filepath.Join(dir, c.Image), DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		src := rgbPixmap(img)
		if c.Mode == "L" {
			src = greyPixmap(img)
		}
		got := resize(src, c.Size[0], c.Size[1])
		want, err := os.ReadFile(filepath.Join(dir, c.Pixels))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.pix) != len(want) {
			t.Fatalf("%s to %v: %d bytes, Pillow %d", c.Image, c.Size, len(got.pix), len(want))
		}
		bad, worst := 0, 0
		for i := range want {
			if d := int(got.pix[i]) - int(want[i]); d != 0 {
				bad++
				worst = max(worst, d, -d)
			}
		}
		if bad > 0 {
			t.Errorf("%s (%s) %dx%d to %v: %d of %d bytes differ from Pillow's (max %d)", c.Image, c.Mode, src.w, src.h, c.Size, bad, len(want), worst)
		}
	}
}

func readF32(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}
