package data

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"strings"
	"testing"
)

func pngBytes(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func solid(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func TestImageFolder(t *testing.T) {
	root := t.TempDir()
	red, blue := color.RGBA{200, 10, 20, 255}, color.RGBA{1, 2, 250, 255}
	writeFile(t, root, "dog/b.png", pngBytes(t, solid(5, 3, blue)))
	writeFile(t, root, "dog/a.PNG", pngBytes(t, solid(8, 8, red)))
	writeFile(t, root, "cat/only.png", pngBytes(t, solid(2, 7, blue)))
	writeFile(t, root, "cat/notes.txt", []byte("ignored"))
	writeFile(t, root, ".hidden/x.png", pngBytes(t, solid(2, 2, red)))
	// A 2x1 gray ramp, upsampled to 4x4: columns sample x = -0.25, 0.25, 0.75, 1.25.
	ramp := image.NewGray(image.Rect(0, 0, 2, 1))
	ramp.Pix[0], ramp.Pix[1] = 0, 255
	writeFile(t, root, "zebra/ramp.png", pngBytes(t, ramp))

	s, err := ImageFolder(root, 4)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 4 || s.C != 3 || s.H != 4 || s.W != 4 || s.Classes != 3 {
		t.Fatalf("got %d examples of %dx%dx%d, %d classes", s.Len(), s.C, s.H, s.W, s.Classes)
	}
	if strings.Join(s.ClassNames, ",") != "cat,dog,zebra" || string(s.Labels) != "\x00\x01\x01\x02" {
		t.Errorf("classes %v labels %v, want cat,dog,zebra and [0 1 1 2]", s.ClassNames, s.Labels)
	}
	// Solid images stay solid at any scale: example 1 is dog/a.PNG (red), 2 is dog/b.png.
	for i, c := range map[int]color.RGBA{0: blue, 1: red, 2: blue} {
		px := s.Images[i*48 : (i+1)*48]
		for j, v := range px {
			if w := [3]uint8{c.R, c.G, c.B}[j/16]; v != w {
				t.Fatalf("example %d pixel %d = %d, want %d", i, j, v, w)
			}
		}
	}
	wantRow := []uint8{0, 64, 191, 255}
	for ch := range 3 {
		for y := range 4 {
			row := s.Images[3*48+ch*16+y*4 : 3*48+ch*16+y*4+4]
			if !bytes.Equal(row, wantRow) {
				t.Errorf("ramp channel %d row %d = %v, want %v", ch, y, row, wantRow)
			}
		}
	}
}

func TestImageFolderErrors(t *testing.T) {
	empty := t.TempDir()
	emptyClass := t.TempDir()
	writeFile(t, emptyClass, "a/x.png", pngBytes(t, solid(1, 1, color.RGBA{A: 255})))
	writeFile(t, emptyClass, "b/readme.txt", nil)
	corrupt := t.TempDir()
	bad := writeFile(t, corrupt, "a/bad.png", []byte("\x89PNG\r\n\x1a\n not really"))
	tests := []struct {
		name, root string
		size       int
		want       string
	}{
		{"no-classes", empty, 8, "0 class directories"},
		{"empty-class", emptyClass, 8, filepath.Join(emptyClass, "b")},
		{"corrupt", corrupt, 8, bad},
		{"size", empty, 0, "size 0"},
		{"missing", filepath.Join(empty, "nope"), 8, "nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ImageFolder(tc.root, tc.size)
			if err == nil {
				t.Fatal("no error")
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "data: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q, want it to contain %q", msg, tc.want)
			}
		})
	}
}
