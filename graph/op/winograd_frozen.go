package op

import "math"

// A differentiated convolution (training) borrows winogradShared's
// filters and recomputes U at every call, since an optimizer changes its
// weights after each. A frozen layer's weights do not change (an
// optimizer that skips them, a fine-tuned backbone under a trained
// layer): it keeps its own filters again, as in inference, where a
// probe of a few of its weights finds them the same as at the last call.
// The probe only chooses the mode: with its own filters the kernel
// compares every weight bit for bit at every call (holds), so a change
// the probe missed is still seen, and two calls in a row with new weights
// send it back to borrowing. Each time that happens, the next probe waits
// twice as many calls (updates that leave the probed weights alone would
// otherwise make it keep and drop a copy of its weights over and over).

// winogradProbes is how many weights, spread evenly over the tensor, the
// probe compares.
const winogradProbes = 32

// weightProbe holds the probed weights of the last call and the backoff.
type weightProbe struct {
	n    int                    // len(w) of bits; 0: nothing recorded
	bits [winogradProbes]uint32 // w[i·n/winogradProbes]'s bits
	// kept: the last probe made the kernel keep its filters; wait: the
	// calls the next probe waits after a keep that did not last, skip:
	// those left.
	kept       bool
	wait, skip int
}

// same reports whether w's probed weights have the bits recorded at the
// last probe, and records them.
func (p *weightProbe) same(w []float32) bool {
	same := p.n == len(w) && len(w) > 0
	for i := range p.bits {
		var b uint32
		if len(w) > 0 {
			b = math.Float32bits(w[int64(i)*int64(len(w))/winogradProbes])
		}
		same = same && b == p.bits[i]
		p.bits[i] = b
	}
	p.n = len(w)
	return same
}

// borrows reports whether the call of a kernel with weights w uses
// winogradShared's filters: those of a kernel whose weights changed at
// its last two calls (k.misses >= 2, or differentiated), unless the probe
// finds them unchanged since the last probe (the last call, or the last
// before a backoff's wait); k.misses is then reset, so that the kernel
// keeps its own filters and weights from this call on (computed afresh:
// borrowing dropped them, and holds compares every weight before any
// reuse).
func (k *winograd) borrows(w []float32) bool {
	p := &k.probe
	if k.misses < 2 {
		return false
	}
	if p.kept { // the weights changed twice since the probe kept them
		p.kept, p.wait = false, max(1, 2*p.wait)
		p.skip = p.wait
	}
	if p.skip > 0 {
		p.skip--
		return true
	}
	if !p.same(w) {
		return true
	}
	p.kept, k.misses = true, 0
	return false
}
