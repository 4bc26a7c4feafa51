package main

import (
	"image/color"
	"io"
	"strings"

	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// pngDPI is the resolution of the PNG files zoo writes: sizes are given
// in pixels.
const pngDPI = 96

// savePNG draws plots side by side on a width×height pixel PNG written
// atomically to path.
func savePNG(path string, width, height int, plots ...*plot.Plot) error {
	if width < 100 || height < 100 || width > 10000 || height > 10000 {
		return errors.Errorf("image size %dx%d, want 100 to 10000 pixels a side", width, height)
	}
	if !strings.HasSuffix(strings.ToLower(path), ".png") {
		return errors.Errorf("%s: want a .png file name", path)
	}
	px := func(n int) vg.Length { return vg.Length(n) * vg.Inch / pngDPI }
	img := vgimg.NewWith(vgimg.UseWH(px(width), px(height)), vgimg.UseDPI(pngDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 4, PadTop: vg.Millimeter * 2,
		PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[0][i])
	}
	return safefile.Write(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}
