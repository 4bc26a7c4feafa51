package graph

// NetOps lists the ops the machine of n runs, one string each (the
// op's String), for the tests of package graph_test.
func NetOps(n *Net) []string {
	var ops []string
	for _, node := range n.g.AllNodes() {
		if op := node.Op(); op != nil {
			ops = append(ops, op.String())
		}
	}
	return ops
}
