package graph

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// A Param is one named tensor of a Params store: a trainable weight or a
// non-trainable buffer such as a batch norm's running mean.
type Param struct {
	Name      string
	Value     *tensor.Dense
	Trainable bool
	// Kind is what the parameter is to its layer, set by the layer each
	// time a graph binds it (ParamWeight until then).
	Kind ParamKind
}

// Size is the number of scalars in the parameter.
func (p *Param) Size() int { return p.Value.Shape().TotalSize() }

// Params is an ordered store of named tensors that outlives graphs: every
// graph built over it binds its nodes to these tensors, so an update made
// through one graph is seen by all of them with no copy. Names are
// torchvision's state_dict keys ("conv1.weight", "layer1.0.bn1.running_var").
// The order is the order of creation, which is deterministic for a model.
type Params struct {
	order []string
	byKey map[string]*Param
}

// NewParams returns an empty store. The zero Params is an empty store too,
// and a nil *Params reads as one (Get, Names, All, Len, Count, Clone,
// Map); the methods that change or write the store return an error on it.
func NewParams() *Params { return &Params{byKey: map[string]*Param{}} }

// errNilParams is the error of a method called on a nil *Params.
var errNilParams = errors.New("graph: nil *Params (make one with graph.NewParams)")

// reservedName is the safetensors header's metadata key, which no tensor
// may take.
const reservedName = "__metadata__"

// Add stores t under name. It is an error if name is empty, reserved
// ("__metadata__", the safetensors metadata key) or taken, or if t is nil
// or has no dtype or data (a zero tensor.Dense).
func (ps *Params) Add(name string, t *tensor.Dense, trainable bool) (*Param, error) {
	if ps == nil {
		return nil, errNilParams
	}
	if name == "" {
		return nil, errors.New("graph: empty parameter name")
	}
	if name == reservedName {
		return nil, errors.Errorf("graph: parameter name %q is reserved by the safetensors format", name)
	}
	if err := usable(t); err != nil {
		return nil, errors.Wrapf(err, "graph: parameter %q", name)
	}
	if _, ok := ps.byKey[name]; ok {
		return nil, errors.Errorf("graph: parameter %q already exists", name)
	}
	if ps.byKey == nil {
		ps.byKey = map[string]*Param{}
	}
	p := &Param{Name: name, Value: t, Trainable: trainable}
	ps.byKey[name] = p
	ps.order = append(ps.order, name)
	return p, nil
}

// usable is an error when t cannot be stored: nil, no dtype (a zero
// tensor.Dense, whose methods panic) or fewer data than its shape holds.
func usable(t *tensor.Dense) error {
	switch {
	case t == nil:
		return errors.New("nil tensor")
	case t.Dtype().Type == nil:
		return errors.New("tensor has no dtype (a zero tensor.Dense)")
	case t.DataSize() != t.Shape().TotalSize():
		return errors.Errorf("tensor of shape %v holds %d values, want %d", t.Shape(), t.DataSize(), t.Shape().TotalSize())
	}
	return nil
}

// Get returns the parameter called name.
func (ps *Params) Get(name string) (*Param, bool) {
	if ps == nil {
		return nil, false
	}
	p, ok := ps.byKey[name]
	return p, ok
}

// Names lists the parameter names in creation order.
func (ps *Params) Names() []string {
	if ps == nil {
		return nil
	}
	return append([]string(nil), ps.order...)
}

// All lists the parameters in creation order.
func (ps *Params) All() []*Param {
	if ps == nil {
		return nil
	}
	r := make([]*Param, len(ps.order))
	for i, n := range ps.order {
		r[i] = ps.byKey[n]
	}
	return r
}

// Trainable lists the trainable parameters in creation order.
func (ps *Params) Trainable() []*Param {
	var r []*Param
	for _, p := range ps.All() {
		if p.Trainable {
			r = append(r, p)
		}
	}
	return r
}

// Len is the number of named tensors.
func (ps *Params) Len() int {
	if ps == nil {
		return 0
	}
	return len(ps.order)
}

// Count returns the number of trainable scalars and of all scalars.
func (ps *Params) Count() (trainable, total int) {
	for _, p := range ps.All() {
		total += p.Size()
		if p.Trainable {
			trainable += p.Size()
		}
	}
	return trainable, total
}

// Clone returns a deep copy: same names, order and flags, copied data.
func (ps *Params) Clone() *Params {
	c := NewParams()
	for _, p := range ps.All() {
		c.Add(p.Name, p.Value.Clone().(*tensor.Dense), p.Trainable) //nolint:errcheck // names are unique
	}
	return c
}

// CopyFrom copies the values of src into ps in place (the tensors bound
// to graphs stay the same). Keys, shapes and dtypes must match exactly;
// the error names every offending key.
func (ps *Params) CopyFrom(src map[string]*tensor.Dense) error {
	if ps == nil {
		return errNilParams
	}
	if err := ps.check(src); err != nil {
		return err
	}
	for name, t := range src {
		if err := tensor.Copy(ps.byKey[name].Value, t); err != nil {
			return errors.Wrapf(err, "graph: copying %q", name)
		}
	}
	return nil
}

// check reports every key of src that is missing from ps, unexpected, or
// of another shape or dtype.
func (ps *Params) check(src map[string]*tensor.Dense) error {
	var missing, unexpected, mismatched []string
	for _, name := range ps.order {
		t, ok := src[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		p := ps.byKey[name]
		if err := usable(t); err != nil {
			mismatched = append(mismatched, name+": "+err.Error())
		} else if !t.Shape().Eq(p.Value.Shape()) || t.Dtype() != p.Value.Dtype() {
			mismatched = append(mismatched, name+": have "+describe(p.Value)+", file has "+describe(t))
		}
	}
	for name := range src {
		if _, ok := ps.byKey[name]; !ok {
			unexpected = append(unexpected, name)
		}
	}
	if len(missing)+len(unexpected)+len(mismatched) == 0 {
		return nil
	}
	sort.Strings(unexpected)
	var b strings.Builder
	b.WriteString("graph: parameters do not match")
	list := func(what string, keys []string) {
		if len(keys) > 0 {
			b.WriteString("; " + what + ": " + strings.Join(keys, ", "))
		}
	}
	list("missing keys", missing)
	list("unexpected keys", unexpected)
	list("mismatched", mismatched)
	return errors.New(b.String())
}

func describe(t *tensor.Dense) string {
	return fmt.Sprintf("%v%v", t.Dtype(), t.Shape())
}
