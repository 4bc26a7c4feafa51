package infer

import (
	"bytes"
	"image"
	_ "image/gif"  // GIF (first frame)
	_ "image/jpeg" // JPEG
	_ "image/png"  // PNG
	"io"

	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/pkg/errors"
	_ "golang.org/x/image/bmp"  // BMP
	_ "golang.org/x/image/webp" // WebP
)

// DecodeOptions bound what Decode accepts. The zero value is the default.
type DecodeOptions struct {
	// MaxPixels refuses images with more pixels (width x height), read
	// from the header before anything is decoded. 0 means 50,000,000.
	MaxPixels int
	// MaxBytes refuses files larger than this. 0 means 256 MiB.
	MaxBytes int64
	// IgnoreOrientation leaves JPEGs as stored. By default a JPEG's EXIF
	// orientation is applied (as a photo viewer shows it; note that
	// torchvision does not: PIL needs ImageOps.exif_transpose).
	IgnoreOrientation bool
}

func (o DecodeOptions) withDefaults() DecodeOptions {
	if o.MaxPixels <= 0 {
		o.MaxPixels = 50_000_000
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 256 << 20
	}
	return o
}

// DecodeFile reads a JPEG, PNG, GIF (first frame), BMP or WebP file.
// Errors name the file. TIFF is left out on purpose: x/image/tiff inflates
// a compressed strip whole, with no bound from the picture's size.
func DecodeFile(path string, opt DecodeOptions) (image.Image, error) {
	opt = opt.withDefaults()
	f, err := safefile.OpenRegular(path) // a FIFO is refused, never waited on
	if err != nil {
		return nil, errors.Wrap(err, "infer")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, errors.Wrap(err, "infer")
	}
	if fi.Size() > opt.MaxBytes {
		return nil, errors.Errorf("infer: %s: %d bytes, more than the limit of %d", path, fi.Size(), opt.MaxBytes)
	}
	b, err := io.ReadAll(io.LimitReader(f, opt.MaxBytes+1))
	if err != nil {
		return nil, errors.Wrapf(err, "infer: reading %s", path)
	}
	return Decode(b, path, opt)
}

// Decode decodes an image held in b; name names it in errors. The header
// is checked (image.DecodeConfig) before the pixels are decoded.
func Decode(b []byte, name string, opt DecodeOptions) (image.Image, error) {
	opt = opt.withDefaults()
	if int64(len(b)) > opt.MaxBytes {
		return nil, errors.Errorf("infer: %s: %d bytes, more than the limit of %d", name, len(b), opt.MaxBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, errors.Wrapf(err, "infer: %s: not a readable JPEG, PNG, GIF, BMP or WebP image", name)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > opt.MaxPixels || cfg.Height > opt.MaxPixels/cfg.Width {
		return nil, errors.Errorf("infer: %s: %s of %d x %d pixels (limit %d pixels)", name, format, cfg.Width, cfg.Height, opt.MaxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, errors.Wrapf(err, "infer: decoding %s (%s)", name, format)
	}
	if r := img.Bounds(); r.Dx() != cfg.Width || r.Dy() != cfg.Height {
		return nil, errors.Errorf("infer: %s: header says %d x %d, the image is %d x %d", name, cfg.Width, cfg.Height, r.Dx(), r.Dy())
	}
	if format == "jpeg" && !opt.IgnoreOrientation {
		if o := jpegOrientation(b); o != 1 {
			return oriented{img, o}, nil
		}
	}
	return img, nil
}
