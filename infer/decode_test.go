package infer

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
)

// losslessWebP is a 4x3 lossless WebP written by Pillow 9.4: red 0, 60,
// 120, 180 across, green 0, 100, 200 down, blue 200.
const losslessWebP = "5249464638000000574542505650384c2b0000002f038000005f40906d33ac03d5dfe20ec333c8f3df830cb05c00820012a51452186e8515468de87f50970300"

// testPicture is losslessWebP's picture.
func testPicture() *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	for y := range 3 {
		for x := range 4 {
			m.SetNRGBA(x, y, color.NRGBA{uint8(60 * x), uint8(100 * y), 200, 255})
		}
	}
	return m
}

// TestDecodeFormats decodes the same picture from every lossless format
// and requires the same RGB bytes.
func TestDecodeFormats(t *testing.T) {
	want := rgbPixmap(testPicture()).pix
	pal := color.Palette{}
	for y := range 3 {
		for x := range 4 {
			pal = append(pal, color.NRGBA{uint8(60 * x), uint8(100 * y), 200, 255})
		}
	}
	encoded := map[string]func() ([]byte, error){
		"png": func() ([]byte, error) {
			var b bytes.Buffer
			err := png.Encode(&b, testPicture())
			return b.Bytes(), err
		},
		"bmp": func() ([]byte, error) {
			var b bytes.Buffer
			err := bmp.Encode(&b, testPicture())
			return b.Bytes(), err
		},
		"gif": func() ([]byte, error) {
			var b bytes.Buffer
			err := gif.Encode(&b, testPicture(), &gif.Options{NumColors: 256, Quantizer: fixedPalette(pal)})
			return b.Bytes(), err
		},
		"webp": func() ([]byte, error) { return hex.DecodeString(losslessWebP) },
	}
	for name, enc := range encoded {
		b, err := enc()
		if err != nil {
			t.Fatal(err)
		}
		img, err := Decode(b, "x."+name, DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := rgbPixmap(img).pix; !bytes.Equal(got, want) {
			t.Errorf("%s: RGB %v, want %v", name, got, want)
		}
	}
}

// fixedPalette quantizes to a given palette (gif.Encode's default drops
// colours).
type fixedPalette color.Palette

func (p fixedPalette) Quantize(color.Palette, image.Image) color.Palette { return color.Palette(p) }

// TestDecodeColourModels: grey and 16-bit pictures convert as Pillow's
// convert("RGB") does for 8 bits, and keep the high byte of 16.
func TestDecodeColourModels(t *testing.T) {
	g := image.NewGray16(image.Rect(0, 0, 2, 1))
	g.SetGray16(0, 0, color.Gray16{0x12ff})
	g.SetGray16(1, 0, color.Gray16{0xab00})
	if got := rgbPixmap(g).pix; !bytes.Equal(got, []byte{0x12, 0x12, 0x12, 0xab, 0xab, 0xab}) {
		t.Errorf("Gray16 to RGB: %x", got)
	}
	if got := greyPixmap(g).pix; !bytes.Equal(got, []byte{0x12, 0xab}) {
		t.Errorf("Gray16 to L: %x", got)
	}
	c := image.NewCMYK(image.Rect(0, 0, 1, 1))
	c.SetCMYK(0, 0, color.CMYK{0, 255, 255, 0}) // red
	if got := rgbPixmap(c).pix; !bytes.Equal(got, []byte{255, 0, 0}) {
		t.Errorf("CMYK red to RGB: %v", got)
	}
	a := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	a.SetNRGBA(0, 0, color.NRGBA{10, 20, 30, 0}) // transparent: Pillow keeps the colour
	if got := rgbPixmap(a).pix; !bytes.Equal(got, []byte{10, 20, 30}) {
		t.Errorf("transparent NRGBA to RGB: %v, want the stored colour (alpha dropped)", got)
	}
	// A PNG palette with tRNS decodes to NRGBA entries: a transparent
	// entry keeps its colour too (skimage's foo3x5x4indexed.png).
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.NRGBA{192, 192, 255, 0}, color.NRGBA{0, 31, 255, 255}})
	pal.SetColorIndex(1, 0, 1)
	if got := rgbPixmap(pal).pix; !bytes.Equal(got, []byte{192, 192, 255, 0, 31, 255}) {
		t.Errorf("transparent palette entry to RGB: %v, want the stored colours (alpha dropped)", got)
	}
	r := image.NewRGBA64(image.Rect(0, 0, 1, 1))
	r.SetRGBA64(0, 0, color.RGBA64{0x4000, 0x2000, 0, 0x8000}) // premultiplied, half alpha
	if got := rgbPixmap(r).pix; !bytes.Equal(got, []byte{0x7f, 0x3f, 0}) {
		t.Errorf("premultiplied RGBA64 to RGB: %x, want un-premultiplied 7f 3f 00", got)
	}
}

// pngHeader is a PNG signature and IHDR chunk for a w x h 8-bit RGB
// picture, with a correct CRC and no pixel data.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 17)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	ihdr[12], ihdr[13] = 8, 2
	out := append([]byte("\x89PNG\r\n\x1a\n"), 0, 0, 0, 13)
	out = append(out, ihdr...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(ihdr))
}

// TestDecodeRefuses checks that hostile and broken files are errors that
// name the file, before any pixel buffer is allocated.
func TestDecodeRefuses(t *testing.T) {
	dir := t.TempDir()
	var good bytes.Buffer
	if err := png.Encode(&good, testPicture()); err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		path string
		opt  DecodeOptions
		want string
	}{
		{"huge header", write("huge.png", pngHeader(60000, 60000)), DecodeOptions{}, "png of 60000 x 60000 pixels (limit 50000000 pixels)"},
		{"wide header", write("wide.png", pngHeader(1<<30, 1)), DecodeOptions{}, "limit"},
		{"own limit", write("small.png", good.Bytes()), DecodeOptions{MaxPixels: 11}, "4 x 3 pixels (limit 11"},
		{"byte limit", write("big.png", good.Bytes()), DecodeOptions{MaxBytes: 10}, "more than the limit of 10"},
		{"truncated", write("cut.png", good.Bytes()[:good.Len()-20]), DecodeOptions{}, "decoding"},
		{"text", write("notes.jpg", []byte("not a picture")), DecodeOptions{}, "not a readable"},
		{"empty", write("empty.png", nil), DecodeOptions{}, "not a readable"},
		{"directory", dir, DecodeOptions{}, "not a regular file"},
		{"missing", filepath.Join(dir, "nope.png"), DecodeOptions{}, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeFile(tc.path, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("DecodeFile(%s): %v, want an error naming the file and containing %q", tc.path, err, tc.want)
			}
		})
	}
}

// FuzzDecode: arbitrary bytes decode or fail, never panic, and never get
// past the header check with more than MaxPixels.
func FuzzDecode(f *testing.F) {
	var b bytes.Buffer
	png.Encode(&b, testPicture()) //nolint:errcheck // bytes.Buffer
	f.Add(b.Bytes())
	f.Add(pngHeader(3, 3))
	w, _ := hex.DecodeString(losslessWebP)
	f.Add(w)
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data, "fuzz", DecodeOptions{MaxPixels: 1 << 16})
		if err != nil {
			return
		}
		if r := img.Bounds(); r.Dx()*r.Dy() > 1<<16 {
			t.Fatalf("decoded %v past the limit", r)
		}
		rgbPixmap(img)
	})
}
