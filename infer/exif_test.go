package infer

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// exifSegment is an APP1 Exif segment whose IFD0 holds a dummy tag and
// then Orientation = o, in byte order bo.
func exifSegment(bo binary.ByteOrder, o uint16) []byte {
	var t bytes.Buffer
	if bo == binary.LittleEndian {
		t.WriteString("II")
	} else {
		t.WriteString("MM")
	}
	w := func(v any) { binary.Write(&t, bo, v) } //nolint:errcheck // bytes.Buffer
	w(uint16(42))
	w(uint32(8))
	entry := func(tag, typ uint16, count uint32, value []uint16) {
		w([]uint16{tag, typ})
		w(count)
		w(value) // two SHORTs: the inline value field
	}
	w(uint16(2))                                   // two entries
	entry(0x010F, 2, 2, []uint16{'G' | 'o'<<8, 0}) // Make, ASCII "Go"
	entry(0x0112, 3, 1, []uint16{o, 0})            // Orientation, SHORT
	w(uint32(0))                                   // no next IFD
	seg := append([]byte("Exif\x00\x00"), t.Bytes()...)
	out := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(out[2:], uint16(len(seg)+2))
	return append(out, seg...)
}

// withExif inserts seg after the SOI marker of a JPEG file.
func withExif(jpg, seg []byte) []byte {
	return append(append(append([]byte(nil), jpg[:2]...), seg...), jpg[2:]...)
}

func TestJPEGOrientation(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 2)), nil); err != nil {
		t.Fatal(err)
	}
	plain := buf.Bytes()
	if o := jpegOrientation(plain); o != 1 {
		t.Fatalf("a JPEG without EXIF has orientation %d, want 1", o)
	}
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for o := uint16(1); o <= 8; o++ {
			b := withExif(plain, exifSegment(bo, o))
			if got := jpegOrientation(b); got != int(o) {
				t.Errorf("%v orientation %d read as %d", bo, o, got)
			}
			img, err := Decode(b, "x.jpg", DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := image.Rect(0, 0, 4, 2)
			if o >= 5 {
				want = image.Rect(0, 0, 2, 4)
			}
			if img.Bounds() != want {
				t.Errorf("orientation %d: bounds %v, want %v", o, img.Bounds(), want)
			}
			if img, _ := Decode(b, "x.jpg", DecodeOptions{IgnoreOrientation: true}); img.Bounds() != image.Rect(0, 0, 4, 2) {
				t.Errorf("IgnoreOrientation: bounds %v", img.Bounds())
			}
		}
	}
	for _, bad := range []uint16{0, 9, 0xFFFF} {
		if got := jpegOrientation(withExif(plain, exifSegment(binary.LittleEndian, bad))); got != 1 {
			t.Errorf("invalid orientation %d read as %d, want 1", bad, got)
		}
	}
}

// TestOrient checks the eight orientations on a 3x2 picture against the
// transposes Pillow's ImageOps.exif_transpose applies, written out, and
// that the lazy oriented image agrees with the pixmap path.
func TestOrient(t *testing.T) {
	// stored:  a b c
	//          d e f
	p := pixmap{w: 3, h: 2, c: 1, pix: []uint8{'a', 'b', 'c', 'd', 'e', 'f'}}
	want := map[int]string{
		1: "abc/def", 2: "cba/fed", 3: "fed/cba", 4: "def/abc",
		5: "ad/be/cf", 6: "da/eb/fc", 7: "fc/eb/da", 8: "cf/be/ad",
	}
	for o := 1; o <= 8; o++ {
		q := orient(p, o)
		var s []byte
		for y := range q.h {
			if y > 0 {
				s = append(s, '/')
			}
			s = append(s, q.pix[y*q.w:(y+1)*q.w]...)
		}
		if string(s) != want[o] {
			t.Errorf("orientation %d: %s, want %s", o, s, want[o])
		}
		g := image.NewGray(image.Rect(10, 20, 13, 22)) // an offset origin
		copy(g.Pix, p.pix)
		lazy := oriented{g, o}
		for y := range q.h {
			for x := range q.w {
				if v := lazy.At(x, y).(color.Gray).Y; v != q.pix[y*q.w+x] {
					t.Errorf("orientation %d: At(%d,%d) = %c, pixmap %c", o, x, y, v, q.pix[y*q.w+x])
				}
			}
		}
	}
}

// FuzzJPEGOrientation: any bytes give an orientation from 1 to 8, never a
// panic.
func FuzzJPEGOrientation(f *testing.F) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2)), nil); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(withExif(buf.Bytes(), exifSegment(binary.LittleEndian, 6)))
	f.Add(withExif(buf.Bytes(), exifSegment(binary.BigEndian, 8)))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 0xFF, 0xFF, 0xFF, 0x7F})
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := jpegOrientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}
