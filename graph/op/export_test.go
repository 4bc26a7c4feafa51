package op

// SetFastPaths turns vec's k×k max pooling and the split of Winograd's
// filter check on or off, for the whole-net benchmarks of op_test, and
// returns a function that restores them.
func SetFastPaths(on bool) (restore func()) {
	mp, wc := maxPoolVec, winogradCheckSplit
	maxPoolVec, winogradCheckSplit = on, on
	return func() { maxPoolVec, winogradCheckSplit = mp, wc }
}
