package gemm

// UsesPanels reports whether the products of p run on the panels Pack
// filled: then they no longer read the A given to Pack, which its owner
// may reuse.
func (p *PackedA) UsesPanels() bool { return p.useData }
