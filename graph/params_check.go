package graph

import "gorgonia.org/tensor"

// Check reports every key of src that is missing from ps, unexpected, or
// of another shape or dtype, in one error (nil when src fits the store
// exactly). It is CopyFrom's check, for loaders that prepare src first
// (package weights).
func (ps *Params) Check(src map[string]*tensor.Dense) error { return ps.check(src) }
