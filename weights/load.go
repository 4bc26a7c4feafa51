package weights

import (
	"fmt"
	"strings"

	"github.com/convzoo/convzoo/graph"
	"github.com/convzoo/convzoo/internal/stdtype"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Options control Load. The zero value is a strict load.
type Options struct {
	// Partial loads every tensor of the file whose key and shape fit the
	// store and keeps the store's own values (its initialisation) for the
	// rest, for fine-tuning: ImageNet resnet18 weights into a 10-class
	// resnet18 load all but fc. False: the file must fit the store exactly.
	Partial bool
}

// A Skip is a file tensor Load did not use, and why.
type Skip struct{ Key, Reason string }

// Report says what Load did.
type Report struct {
	Path   string
	Meta   map[string]string // the file's metadata
	Loaded []string          // store keys set from the file, in store order
	Kept   []string          // store keys the file did not set (Partial only), in store order
	// Skipped lists file tensors not loaded, sorted by key: batch-norm
	// num_batches_tracked counters always (see the package doc); in
	// Partial mode, also keys the model lacks and tensors of another shape.
	Skipped []Skip
}

// String summarises the report in one or two lines.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loaded %d tensors from %s", len(r.Loaded), r.Path)
	if len(r.Kept) > 0 {
		fmt.Fprintf(&b, "; kept initial values of %d: %s", len(r.Kept), strings.Join(r.Kept, ", "))
	}
	var skipped []string
	for _, s := range r.Skipped {
		if s.Reason != reasonCounter {
			skipped = append(skipped, s.Key+" ("+s.Reason+")")
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintf(&b, "; skipped %d: %s", len(skipped), strings.Join(skipped, ", "))
	}
	return b.String()
}

const reasonCounter = "batch-norm counter, not used by convzoo"

// Load reads a weights file (any format Read reads) into ps in place:
// float tensors are converted to the dtype of the parameter they fill
// (float32 or float64). Strict by default: a missing, unexpected or
// mis-shaped key is an error naming every one of them, and then nothing is
// changed. With opt.Partial, see Options.
func Load(ps *graph.Params, path string, opt Options) (Report, error) {
	r := Report{Path: path}
	if ps == nil {
		return r, errors.New("weights: Load into a nil Params")
	}
	ts, meta, err := Read(path)
	if err != nil {
		return r, err
	}
	r.Meta = meta
	use := map[string]*tensor.Dense{}
	for _, k := range sortedKeys(ts) {
		t := ts[k]
		p, ok := ps.Get(k)
		switch {
		case !ok && strings.HasSuffix(k, "num_batches_tracked") && isInt(t):
			r.Skipped = append(r.Skipped, Skip{k, reasonCounter})
			continue
		case !opt.Partial:
		case !ok:
			r.Skipped = append(r.Skipped, Skip{k, "not in the model"})
			continue
		case !t.Shape().Eq(p.Value.Shape()):
			r.Skipped = append(r.Skipped, Skip{k, fmt.Sprintf("shape %v, the model's is %v", t.Shape(), p.Value.Shape())})
			continue
		}
		if ok {
			t = convert(t, p.Value.Dtype())
			if opt.Partial && t.Dtype() != p.Value.Dtype() {
				r.Skipped = append(r.Skipped, Skip{k, fmt.Sprintf("dtype %v, the model's is %v", t.Dtype(), p.Value.Dtype())})
				continue
			}
		}
		use[k] = t
	}
	if !opt.Partial {
		if err := ps.Check(use); err != nil {
			return r, errors.Wrapf(err, "weights: loading %s", path)
		}
	} else if len(use) == 0 {
		return r, errors.Errorf("weights: no tensor of %s fits the model (%d in the file, %d in the model)", path, len(ts), ps.Len())
	}
	for _, p := range ps.All() {
		t, ok := use[p.Name]
		if !ok {
			r.Kept = append(r.Kept, p.Name)
			continue
		}
		if err := tensor.Copy(p.Value, t); err != nil {
			return r, errors.Wrapf(err, "weights: copying %q", p.Name)
		}
		r.Loaded = append(r.Loaded, p.Name)
	}
	return r, nil
}

// convert returns a float tensor as dtype dt (float32 or float64); other
// tensors as they are.
func convert(t *tensor.Dense, dt tensor.Dtype) *tensor.Dense {
	if t.Dtype() == dt || (dt != tensor.Float32 && dt != tensor.Float64) ||
		(t.Dtype() != tensor.Float32 && t.Dtype() != tensor.Float64) {
		return t
	}
	d := stdtype.ConvertFloats(stdtype.Flat(t), dt)
	return tensor.New(tensor.WithShape(t.Shape().Clone()...), tensor.WithBacking(d))
}

func isInt(t *tensor.Dense) bool {
	switch t.Dtype() {
	case tensor.Int64, tensor.Int32, tensor.Uint8:
		return true
	}
	return false
}
