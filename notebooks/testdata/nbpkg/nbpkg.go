// Package nbpkg is a fixture for notebooks/run-notebooks.sh: a package of THIS
// module (github.com/convzoo/convzoo) that a test notebook imports to prove the
// kernel compiles the working tree, not a published version.
package nbpkg

import "gorgonia.org/tensor"

// Marker changes whenever you want to prove the notebook sees local edits.
const Marker = "convzoo-local-checkout"

// Ones returns an r x c float64 tensor of ones.
func Ones(r, c int) *tensor.Dense {
	return tensor.New(tensor.WithShape(r, c), tensor.Of(tensor.Float64), tensor.WithBacking(tensor.Ones(tensor.Float64, r, c).Data()))
}
