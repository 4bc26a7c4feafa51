package data

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// cifarFile encodes records in the CIFAR binary format: the labels of each record, then
// its 3072 pixels, pixel j of record r being byte(r*31 + j*7 + seed).
func cifarFile(labels [][]byte, seed int) []byte {
	var b []byte
	for r, l := range labels {
		b = append(b, l...)
		for j := range cifarPixels {
			b = append(b, byte(r*31+j*7+seed))
		}
	}
	return b
}

func TestCIFAR10(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "cifar-10-batches-bin") // the layout of the official archive
	counts := []int{2, 3, 1, 1, 2}
	var want []byte
	for i, n := range counts {
		var labels [][]byte
		for r := range n {
			labels = append(labels, []byte{byte((i + r) % 10)})
			want = append(want, byte((i+r)%10))
		}
		writeFile(t, bin, fmt.Sprintf("data_batch_%d.bin", i+1), cifarFile(labels, i))
	}
	writeFile(t, bin, "test_batch.bin", cifarFile([][]byte{{9}, {4}}, 100))

	s, err := CIFAR10(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 9 || s.C != 3 || s.H != 32 || s.W != 32 || s.Classes != 10 || s.ClassNames[3] != "cat" {
		t.Fatalf("got %d examples of %dx%dx%d, %d classes", s.Len(), s.C, s.H, s.W, s.Classes)
	}
	if string(s.Labels) != string(want) {
		t.Errorf("labels %v, want %v", s.Labels, want)
	}
	// Example 3 is record 1 of data_batch_2 (seed 1); pixels are CHW as stored.
	x := make([]float32, cifarPixels)
	s.Item(3, x)
	for _, j := range []int{0, 1, 1024, 3071} {
		if w := float32(byte(31+j*7+1)) / 255; x[j] != w {
			t.Errorf("example 3 pixel %d = %v, want %v", j, x[j], w)
		}
	}
	test, err := CIFAR10(bin, false)
	if err != nil {
		t.Fatal(err)
	}
	if test.Len() != 2 || test.Labels[0] != 9 || test.Labels[1] != 4 || test.Images[5] != byte(5*7+100) {
		t.Errorf("test set: %d examples, labels %v", test.Len(), test.Labels)
	}
}

func TestCIFAR100(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "train.bin", cifarFile([][]byte{{3, 99}, {19, 0}, {0, 42}}, 0))
	s, err := CIFAR100(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 || s.Classes != 100 || s.Labels[0] != 99 || s.Labels[1] != 0 || s.Labels[2] != 42 {
		t.Errorf("got %d examples, %d classes, labels %v; want fine labels [99 0 42]", s.Len(), s.Classes, s.Labels)
	}
	if s.Images[cifarPixels+2] != byte(31+14) {
		t.Errorf("record 1 pixel 2 = %d, want %d", s.Images[cifarPixels+2], 31+14)
	}
}

func TestCIFARErrors(t *testing.T) {
	good10 := cifarFile([][]byte{{1}, {2}}, 0)
	tests := []struct {
		name    string
		file    []byte
		hundred bool
		want    string
	}{
		{"short", good10[:len(good10)-1], false, "multiple"},
		{"long", append(append([]byte{}, good10...), 0), false, "multiple"},
		{"empty", nil, false, "multiple"},
		{"label-10", cifarFile([][]byte{{1}, {10}}, 0), false, "label 10 of record 1"},
		{"cifar10-as-100", cifarFile([][]byte{{1}, {2}, {3}}, 0), true, "multiple"},
		{"fine-label-100", cifarFile([][]byte{{1, 100}}, 0), true, "label 100 of record 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var path string
			var err error
			if tc.hundred {
				path = writeFile(t, dir, "test.bin", tc.file)
				_, err = CIFAR100(dir, false)
			} else {
				path = writeFile(t, dir, "test_batch.bin", tc.file)
				_, err = CIFAR10(dir, false)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "data: ") || !strings.Contains(msg, path) || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q, want it to name %s and contain %q", msg, path, tc.want)
			}
		})
	}
	// Missing batch files name the file looked for.
	dir := t.TempDir()
	writeFile(t, dir, "data_batch_1.bin", good10)
	_, err := CIFAR10(dir, true)
	if err == nil || !strings.Contains(err.Error(), "data_batch_2.bin") {
		t.Errorf("missing batch: error %v, want it to name data_batch_2.bin", err)
	}
}
