//go:build tools

// Package notebooks records in go.mod the modules that the notebooks import
// besides convzoo's own packages (gonum/plot, x/image), so that
// run-notebooks.sh builds their plugins at the versions the project pins and
// `go mod tidy` keeps them. It is never compiled (build tag "tools").
package notebooks

import (
	_ "golang.org/x/image/draw"
	_ "golang.org/x/image/font/basicfont"
	_ "gonum.org/v1/plot"
	_ "gonum.org/v1/plot/plotter"
	_ "gonum.org/v1/plot/vg/vgimg"
)
