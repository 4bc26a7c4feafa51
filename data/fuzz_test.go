package data

import (
	"bytes"
	"testing"
)

func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(idxBytes([]int{1}, []byte{9}))
	f.Add(gzipBytes(f, idxBytes([]int{2, 1, 2}, []byte{1, 2, 3, 4})))
	f.Add(idxBytes([]int{1 << 16, 1 << 15}, []byte{1}))
	f.Add([]byte{0, 0, 8})
	f.Fuzz(func(t *testing.T, b []byte) {
		dims, body, err := ReadIDX(bytes.NewReader(b), "fuzz")
		if err != nil {
			return
		}
		n := 1
		for _, d := range dims {
			if d <= 0 {
				t.Fatalf("dimension %d in %v", d, dims)
			}
			n *= d
		}
		if n != len(body) {
			t.Fatalf("dims %v but %d bytes", dims, len(body))
		}
		if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			if !bytes.Equal(idxBytes(dims, body), b) {
				t.Fatal("re-encoding differs from the input")
			}
		}
	})
}

func FuzzCIFAR(f *testing.F) {
	f.Add(cifarFile([][]byte{{3}}, 0), false)
	f.Add(cifarFile([][]byte{{3, 4}, {1, 99}}, 1), true)
	f.Add(cifarFile([][]byte{{10}}, 0), false)
	f.Add([]byte{1, 2, 3}, true)
	f.Fuzz(func(t *testing.T, b []byte, hundred bool) {
		format := cifar10Format
		if hundred {
			format = cifar100Format
		}
		s := &Set{Name: "fuzz", C: 3, H: 32, W: 32, Classes: format.classes}
		if err := readCIFAR(bytes.NewReader(b), int64(len(b)), "fuzz", format, s); err != nil {
			return
		}
		if len(b)%format.record() != 0 || s.Len()*format.record() != len(b) {
			t.Fatalf("%d bytes gave %d records", len(b), s.Len())
		}
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
	})
}
