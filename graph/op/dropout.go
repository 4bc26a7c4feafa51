package op

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Dropout zeroes each element of x with probability p, drawing from rng,
// and scales the kept ones by 1/(1-p) (inverted dropout, as PyTorch). A
// new mask is drawn at every forward execution; the backward pass applies
// the same mask and scale to the upstream gradient. p must be in [0, 1);
// p == 0 returns x itself. rng must not be shared with code running at the
// same time as the graph.
func Dropout(x *G.Node, p float64, rng *rand.Rand) (*G.Node, error) {
	if x == nil {
		return nil, errors.New("Dropout: x is nil")
	}
	if !(p >= 0 && p < 1) {
		return nil, errors.Errorf("Dropout: p = %g on x of shape %v, want 0 <= p < 1", p, x.Shape())
	}
	if rng == nil {
		return nil, errors.Errorf("Dropout: nil rng for x of shape %v", x.Shape())
	}
	if p == 0 {
		return x, nil
	}
	k := &dropoutKernel{id: nextID(), dims: x.Dims(), p: p, rng: rng}
	return apply(k, k.name(), x)
}

// dropoutKernel keeps the mask of the current step for the backward pass.
type dropoutKernel struct {
	id   int64
	dims int
	p    float64
	rng  *rand.Rand
	keep []uint8 // 1 where kept
	// frozen (tests only) reuses the mask once drawn, so that finite
	// differences see a fixed function.
	frozen bool
}

func (k *dropoutKernel) name() string  { return fmt.Sprintf("Dropout(p=%g)#%d", k.p, k.id) }
func (k *dropoutKernel) inDims() []int { return []int{k.dims} }

func (k *dropoutKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, errors.Errorf("%s: got %d inputs, want 1", k.name(), len(in))
	}
	return in[0].Clone(), nil
}

// draw fills k.keep with a fresh mask of n elements: each is dropped when
// a uniform 32-bit draw falls below p*2^32 (two draws per Uint64).
func (k *dropoutKernel) draw(n int) {
	if k.frozen && len(k.keep) == n {
		return
	}
	if cap(k.keep) < n {
		k.keep = make([]uint8, n)
	}
	k.keep = k.keep[:n]
	thresh := uint64(math.Round(k.p * (1 << 32)))
	for i := 0; i < n; i += 2 {
		u := k.rng.Uint64()
		k.keep[i] = b2u(u&0xffffffff >= thresh)
		if i+1 < n {
			k.keep[i+1] = b2u(u>>32 >= thresh)
		}
	}
}

func (k *dropoutKernel) forward(in []*tensor.Dense, out *tensor.Dense) error {
	k.draw(in[0].Shape().TotalSize())
	return k.applyMask(in[0], out)
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// maskScale sets out = x*scale where keep, else 0, by table look-up: a
// branch on a random mask would be mispredicted half the time.
func maskScale[T float](keep []uint8, scale T, x, out []T) {
	x, out = x[:len(keep)], out[:len(keep)]
	f := [2]T{0, scale}
	for i, kept := range keep {
		out[i] = x[i] * f[kept&1]
	}
}

func (k *dropoutKernel) diffWRT() []bool { return []bool{true} }

func (k *dropoutKernel) grad(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	return single(&dropoutGrad{fw: k}, grad)
}

// dropoutGrad applies its forward kernel's mask and scale to dy.
type dropoutGrad struct{ fw *dropoutKernel }

func (k *dropoutGrad) name() string  { return k.fw.name() + "Grad" }
func (k *dropoutGrad) inDims() []int { return []int{k.fw.dims} }

func (k *dropoutGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	return k.fw.outShape(in)
}

func (k *dropoutGrad) forward(in []*tensor.Dense, out *tensor.Dense) error {
	if n := in[0].Shape().TotalSize(); n != len(k.fw.keep) {
		return errors.Errorf("%s: gradient of %d elements, mask of %d (forward not run?)", k.name(), n, len(k.fw.keep))
	}
	return k.fw.applyMask(in[0], out)
}

// applyMask sets out = v*scale where the mask keeps, else 0; v is x in the
// forward pass, dy in the backward pass.
func (k *dropoutKernel) applyMask(v, out *tensor.Dense) error {
	return dispatch(v,
		func() error {
			maskScale(k.keep, float32(1/(1-k.p)), elems[float32](v), elems[float32](out))
			return nil
		},
		func() error { maskScale(k.keep, 1/(1-k.p), elems[float64](v), elems[float64](out)); return nil })
}
