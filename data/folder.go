package data

import (
	"bytes"
	"image"
	_ "image/jpeg" // register the JPEG decoder for ImageFolder
	_ "image/png"  // register the PNG decoder for ImageFolder
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/pkg/errors"
)

// maxImagePixels bounds the size of one decoded image in ImageFolder.
const maxImagePixels = 1 << 26

// ImageFolder reads root/<class>/*.png|*.jpg|*.jpeg (extensions in any case) into an
// RGB Set (C = 3) of size x size images. Classes are the sub-directories of root sorted
// by name (FolderClasses) and are recorded in ClassNames; other files are ignored.
// Images are resized with bilinear interpolation on pixel centres (no anti-aliasing,
// like PIL's BILINEAR when enlarging); gray images are replicated into three channels
// and transparent pixels are composed over black.
func ImageFolder(root string, size int) (*Set, error) {
	if err := checkSize(root, size); err != nil {
		return nil, err
	}
	classes, err := FolderClasses(root)
	if err != nil {
		return nil, err
	}
	return ImageFolderClasses(root, size, classes)
}

// FolderClasses returns the class directories of an image folder: the sub-directories
// of root, sorted by name, hidden ones (starting with ".") skipped. It reads no image.
func FolderClasses(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, errors.Wrap(err, "data: image folder")
	}
	var classes []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			classes = append(classes, e.Name())
		}
	}
	if len(classes) == 0 || len(classes) > 256 {
		return nil, errors.Errorf("data: image folder %s: %d class directories, want 1 to 256", root, len(classes))
	}
	return classes, nil
}

// ImageFolderClasses reads root as ImageFolder does, but labels the images of class
// directory d with the index of d in classes (the training set's ClassNames), so that
// a validation folder lacking some classes keeps the training labels. A class
// directory of root that is not in classes is an error naming it, returned before any
// image is read; classes without a directory simply have no images.
func ImageFolderClasses(root string, size int, classes []string) (*Set, error) {
	if err := checkSize(root, size); err != nil {
		return nil, err
	}
	if len(classes) == 0 || len(classes) > 256 {
		return nil, errors.Errorf("data: image folder %s: %d classes, want 1 to 256", root, len(classes))
	}
	dirs, err := FolderClasses(root)
	if err != nil {
		return nil, err
	}
	label := make(map[string]int, len(classes))
	for i, c := range classes {
		label[c] = i
	}
	if len(label) != len(classes) {
		return nil, errors.Errorf("data: image folder %s: class names %q repeat a name", root, classes)
	}
	var unknown []string
	for _, d := range dirs {
		if _, ok := label[d]; !ok {
			unknown = append(unknown, d)
		}
	}
	if len(unknown) > 0 {
		return nil, errors.Errorf("data: image folder %s: class directories %q are not among the %d classes %q",
			root, unknown, len(classes), classes)
	}
	s := &Set{Name: filepath.Base(root), C: 3, H: size, W: size, Classes: len(classes),
		ClassNames: append([]string(nil), classes...)}
	for _, class := range dirs {
		files, err := imageFiles(filepath.Join(root, class))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			img, err := decodeImage(f)
			if err != nil {
				return nil, err
			}
			s.Images = resizeRGB(s.Images, img, size)
			s.Labels = append(s.Labels, uint8(label[class]))
		}
	}
	return s, nil
}

// MaxFolderSize is the largest image size ImageFolder resizes to.
const MaxFolderSize = 4096

func checkSize(root string, size int) error {
	if size <= 0 || size > MaxFolderSize {
		return errors.Errorf("data: image folder %s: size %d, want 1 to %d", root, size, MaxFolderSize)
	}
	return nil
}

// imageFiles lists the images of one class directory, sorted by name; a class without
// images is an error.
func imageFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, errors.Wrap(err, "data: image folder")
	}
	var files []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".png", ".jpg", ".jpeg":
			if !e.IsDir() {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	if len(files) == 0 {
		return nil, errors.Errorf("data: image folder: class directory %s has no .png or .jpg images", dir)
	}
	sort.Strings(files)
	return files, nil
}

// decodeImage decodes one file, checking its dimensions before decoding the pixels.
func decodeImage(path string) (image.Image, error) {
	b, err := readImageFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "data")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, errors.Wrapf(err, "data: %s", path)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return nil, errors.Errorf("data: %s: image of %dx%d pixels, want at most %d", path, cfg.Width, cfg.Height, maxImagePixels)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, errors.Wrapf(err, "data: %s", path)
	}
	return img, nil
}

// maxImageFileBytes bounds the size of one image file, checked before
// reading it: a PNG of maxImagePixels 16-bit RGBA pixels stored without
// compression is about 512 MiB.
const maxImageFileBytes = 1 << 30

// readImageFile reads one image file, which must be a regular file (a FIFO
// named a.png is refused, not waited on) of at most maxImageFileBytes.
func readImageFile(path string) ([]byte, error) {
	f, err := safefile.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxImageFileBytes {
		return nil, errors.Errorf("%s: %d bytes, want at most %d for an image", path, fi.Size(), maxImageFileBytes)
	}
	return io.ReadAll(f)
}

// resizeRGB appends img resized to size x size, as 3 planes of uint8 (CHW), to dst.
// Output pixel (x, y) samples the source at ((x+0.5)*W/size-0.5, ...) bilinearly, with
// coordinates clamped to the image.
func resizeRGB(dst []uint8, img image.Image, size int) []uint8 {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	src := make([]float32, 3*sw*sh)
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := y*sw + x
			src[i] = float32(r) / 257
			src[sw*sh+i] = float32(g) / 257
			src[2*sw*sh+i] = float32(bl) / 257
		}
	}
	x0, x1, fx := bilinearTaps(sw, size)
	y0, y1, fy := bilinearTaps(sh, size)
	for c := 0; c < 3; c++ {
		plane := src[c*sw*sh : (c+1)*sw*sh]
		for y := 0; y < size; y++ {
			r0, r1 := plane[y0[y]*sw:], plane[y1[y]*sw:]
			for x := 0; x < size; x++ {
				top := r0[x0[x]]*(1-fx[x]) + r0[x1[x]]*fx[x]
				bot := r1[x0[x]]*(1-fx[x]) + r1[x1[x]]*fx[x]
				v := top*(1-fy[y]) + bot*fy[y]
				dst = append(dst, uint8(min(255, max(0, math.Round(float64(v))))))
			}
		}
	}
	return dst
}

// bilinearTaps returns, for each of n output positions over a source of length m, the
// two source indices and the weight of the second.
func bilinearTaps(m, n int) (i0, i1 []int, f []float32) {
	i0, i1, f = make([]int, n), make([]int, n), make([]float32, n)
	scale := float64(m) / float64(n)
	for o := range n {
		p := min(max((float64(o)+0.5)*scale-0.5, 0), float64(m-1))
		lo := int(p)
		i0[o], i1[o], f[o] = lo, min(lo+1, m-1), float32(p-float64(lo))
	}
	return i0, i1, f
}
