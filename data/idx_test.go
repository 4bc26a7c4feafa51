package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// idxBytes encodes an IDX file of unsigned bytes.
func idxBytes[T int | uint32](dims []T, body []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(body)
	return b.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func seq(n int, f func(i int) byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = f(i)
	}
	return b
}

func TestReadIDXRoundTrip(t *testing.T) {
	dims := []int{3, 2, 4}
	body := seq(24, func(i int) byte { return byte(i * 7) })
	raw := idxBytes(dims, body)
	for name, file := range map[string][]byte{"raw": raw, "gzip": gzipBytes(t, raw)} {
		t.Run(name, func(t *testing.T) {
			gotDims, got, err := ReadIDX(bytes.NewReader(file), name)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotDims, dims) || !bytes.Equal(got, body) {
				t.Errorf("got dims %v data %v, want %v %v", gotDims, got, dims, body)
			}
		})
	}
}

func TestReadIDXErrors(t *testing.T) {
	good := idxBytes([]int{2, 3}, seq(6, func(i int) byte { return byte(i) }))
	tests := []struct {
		name, want string
		file       []byte
	}{
		{"empty", "magic", nil},
		{"truncated-body", "truncated", good[:len(good)-1]},
		{"truncated-body-gz", "truncated", gzipBytes(t, good[:len(good)-2])},
		{"truncated-header", "dimensions", good[:9]},
		{"truncated-gzip-stream", "truncated", gzipBytes(t, good)[:20]},
		{"trailing", "trailing", append(append([]byte{}, good...), 1)},
		{"bad-magic-type", "bad IDX magic 0x00000902", append([]byte{0, 0, 9, 2}, good[4:]...)},
		{"bad-magic-zero-dims", "bad IDX magic", []byte{0, 0, 8, 0}},
		{"bad-magic-high", "bad IDX magic", append([]byte{1, 0, 8, 2}, good[4:]...)},
		{"zero-dim", "absurd", idxBytes([]int{0, 3}, nil)},
		{"absurd-product", "absurd", idxBytes([]int{1 << 16, 1 << 16}, seq(10, func(int) byte { return 0 }))},
		{"absurd-dim", "absurd", idxBytes([]uint32{1<<31 + 1}, nil)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := "file-" + tc.name + ".idx"
			_, _, err := ReadIDX(bytes.NewReader(tc.file), name)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "data: ") || !strings.Contains(msg, name) || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q: want prefix %q and to contain %q and %q", msg, "data: ", name, tc.want)
			}
		})
	}
}

// A header that promises 1 GiB in front of a few bytes must fail without allocating
// anywhere near that.
func TestReadIDXHostileHeaderAllocatesLittle(t *testing.T) {
	file := idxBytes([]int{1 << 15, 1 << 15}, seq(1000, func(int) byte { return 1 }))
	for name, f := range map[string][]byte{"raw": file, "gzip": gzipBytes(t, file)} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, err := ReadIDX(bytes.NewReader(f), name)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("%s: error %v, want truncated", name, err)
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 4<<20 {
			t.Errorf("%s: allocated %d bytes for a %d-byte file", name, d, len(f))
		}
	}
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadIDX(t *testing.T) {
	dir := t.TempDir()
	images := writeFile(t, dir, "imgs.gz", gzipBytes(t, idxBytes([]int{3, 2, 2}, seq(12, func(i int) byte { return byte(i * 20) }))))
	labels := writeFile(t, dir, "labels", idxBytes([]int{3}, []byte{2, 0, 1}))
	s, err := LoadIDX(images, labels, 3, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 || s.C != 1 || s.H != 2 || s.W != 2 || s.NumClasses() != 3 || s.Name != "tiny" {
		t.Fatalf("got %+v", s)
	}
	x := make([]float32, 4)
	if l := s.Item(1, x); l != 0 || x[0] != 80.0/255 || x[3] != 140.0/255 {
		t.Errorf("Item(1) = %d, %v", l, x)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
	if sub := s.Subset(2); sub.Len() != 2 || len(sub.Images) != 8 || s.Subset(10).Len() != 3 || s.Subset(-1).Len() != 0 {
		t.Errorf("Subset: %d examples, %d pixels", sub.Len(), len(sub.Images))
	}

	fourLabels := writeFile(t, dir, "labels4", idxBytes([]int{4}, []byte{0, 0, 1, 1}))
	badLabel := writeFile(t, dir, "labels-bad", idxBytes([]int{3}, []byte{0, 3, 1}))
	flat := writeFile(t, dir, "flat", idxBytes([]int{3, 4}, make([]byte, 12)))
	missing := filepath.Join(dir, "no-such-file")
	tests := []struct {
		name, images, labels string
		want                 []string
	}{
		{"count-mismatch", images, fourLabels, []string{images, fourLabels, "3 images", "4 labels"}},
		{"label-out-of-range", images, badLabel, []string{badLabel, "label 3"}},
		{"images-2d", flat, labels, []string{flat, "[N H W]"}},
		{"labels-as-images", images, images, []string{images, "[N]"}},
		{"missing", images, missing, []string{missing}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadIDX(tc.images, tc.labels, 3, "tiny")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(tc.want, "data") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestFashionMNIST(t *testing.T) {
	if _, err := os.Stat(FashionMNISTDebianDir); err != nil {
		t.Skipf("%s not installed (apt-get install dataset-fashion-mnist): %v", FashionMNISTDebianDir, err)
	}
	for _, tc := range []struct {
		train bool
		n     int
	}{{false, 10000}, {true, 60000}} {
		if tc.train && (raceEnabled || testing.Short()) {
			t.Log("skipping the 60000-image training set under -race or -short")
			continue
		}
		s, err := FashionMNIST("", tc.train)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != tc.n || s.C != 1 || s.H != 28 || s.W != 28 || s.Classes != 10 || len(s.ClassNames) != 10 {
			t.Errorf("train=%v: %d examples of %dx%dx%d, %d classes", tc.train, s.Len(), s.C, s.H, s.W, s.Classes)
		}
		if err := s.Check(); err != nil {
			t.Error(err)
		}
		counts := make([]int, 10)
		for _, l := range s.Labels {
			counts[l]++
		}
		for c, n := range counts { // Fashion-MNIST is balanced
			if n != tc.n/10 {
				t.Errorf("train=%v: class %d has %d examples, want %d", tc.train, c, n, tc.n/10)
			}
		}
	}
	dir := t.TempDir()
	_, err := FashionMNIST(dir, true)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "train-images-idx3-ubyte.gz")) {
		t.Errorf("empty dir: error %v, want the paths looked for", err)
	}
}
