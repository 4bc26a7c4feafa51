package graph

import (
	"fmt"
	"math/rand"
	"strings"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Config sets up a Builder. Its zero value builds a float32 evaluation
// graph whose new parameters are initialised from rand.NewSource(0).
type Config struct {
	// Training selects training mode: batch norm uses and updates batch
	// statistics and dropout is on. False is evaluation mode.
	Training bool
	// Dtype is tensor.Float32 (the default when nil) or tensor.Float64.
	Dtype tensor.Dtype
	// Rand draws initial weights for parameters not yet in the store and
	// dropout masks. Nil means rand.New(rand.NewSource(0)).
	Rand *rand.Rand
}

// A Builder adds layers to one Gorgonia ExprGraph over one Params store.
// Layer methods record the first error and turn every later call into a
// no-op that returns nil, so model code reads like the paper's table and
// checks b.Err() once, as with bufio.Scanner.
//
// Scope returns a Builder that shares everything but prefixes the names
// of the parameters and layers it creates.
type Builder struct {
	s      *state
	prefix string
}

type state struct {
	g        *G.ExprGraph
	params   *Params
	training bool
	dtype    tensor.Dtype
	rng      *rand.Rand
	err      error
	learn    G.Nodes
	learnP   []*Param
	bound    map[string]*G.Node
	layers   []Layer
	counting int // scalars of the parameters bound since the last layer record
	elements int // scalars of all the parameters and buffers bound
	aux      []Aux
	// fuse merges batch norms, residual Adds and ReLUs into the
	// convolutions before them (fuse.go); Compile sets it.
	fuse bool
}

// NewBuilder starts a new graph over ps. Parameters that ps already holds
// are reused (and must have the requested shape); missing ones are created
// and initialised.
func NewBuilder(ps *Params, cfg Config) *Builder {
	if cfg.Dtype == (tensor.Dtype{}) {
		cfg.Dtype = tensor.Float32
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewSource(0))
	}
	s := &state{g: G.NewGraph(), params: ps, training: cfg.Training, dtype: cfg.Dtype, rng: cfg.Rand, bound: map[string]*G.Node{}}
	if ps == nil {
		s.err = errors.New("graph: NewBuilder: nil Params")
	} else if cfg.Dtype != tensor.Float32 && cfg.Dtype != tensor.Float64 {
		s.err = errors.Errorf("graph: NewBuilder: dtype %v (want float32 or float64)", cfg.Dtype)
	}
	return &Builder{s: s}
}

// Scope returns a Builder whose names are prefixed by name and a dot:
// b.Scope("layer1").Scope("0").Conv2d("conv1", ...) creates
// "layer1.0.conv1.weight".
func (b *Builder) Scope(name string) *Builder { return &Builder{s: b.s, prefix: b.Name(name)} }

// Name is the full name of a local name in this scope.
func (b *Builder) Name(local string) string {
	switch {
	case b.prefix == "":
		return local
	case local == "":
		return b.prefix
	}
	return b.prefix + "." + local
}

// Graph is the ExprGraph being built.
func (b *Builder) Graph() *G.ExprGraph { return b.s.g }

// Params is the store the graph is bound to.
func (b *Builder) Params() *Params { return b.s.params }

// Training reports whether this is a training graph.
func (b *Builder) Training() bool { return b.s.training }

// Dtype is the element type of the graph.
func (b *Builder) Dtype() tensor.Dtype { return b.s.dtype }

// Rand is the builder's source of randomness.
func (b *Builder) Rand() *rand.Rand { return b.s.rng }

// Err returns the first error met while building.
func (b *Builder) Err() error { return b.s.err }

// Fail records err unless an error is already recorded. Model code uses
// it for its own checks. In a scope, err is wrapped with the scope's name
// ("layer1.0: zoo: ...") unless its text names the scope already (as the
// errors of Failf and of the layers do), so the scope is never repeated.
func (b *Builder) Fail(err error) {
	if b.s.err != nil || err == nil {
		return
	}
	if b.prefix != "" && !namesScope(err.Error(), b.prefix) {
		err = errors.Wrap(err, b.prefix)
	}
	b.s.err = err
}

// namesScope reports whether msg contains the name scope on its own or as
// the start of a longer name (scope.child), not inside another name.
func namesScope(msg, scope string) bool {
	isName := func(c byte) bool {
		return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	}
	for i := 0; ; {
		j := strings.Index(msg[i:], scope)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(scope)
		if (start == 0 || !isName(msg[start-1]) && msg[start-1] != '.') && (end == len(msg) || !isName(msg[end])) {
			return true
		}
		i = start + 1
	}
}

// Failf records a formatted error naming layer, unless an error is
// already recorded.
func (b *Builder) Failf(layer, format string, args ...any) {
	b.Fail(errors.Errorf("graph: %s: %s", b.Name(layer), fmt.Sprintf(format, args...)))
}

// Learnables are the trainable parameter nodes of this graph, in order.
func (b *Builder) Learnables() G.Nodes { return append(G.Nodes(nil), b.s.learn...) }

// LearnableParams are the Params entries of Learnables, index for index.
func (b *Builder) LearnableParams() []*Param { return append([]*Param(nil), b.s.learnP...) }

// Input adds an input placeholder of the builder's dtype; give it a value
// with gorgonia.Let before running a machine.
func (b *Builder) Input(name string, shape ...int) *G.Node {
	if b.s.err != nil {
		return nil
	}
	for _, d := range shape {
		if d <= 0 {
			b.Failf(name, "input shape %v has a non-positive size", shape)
			return nil
		}
	}
	if !b.fits(name, "input", shape) {
		return nil
	}
	return G.NewTensor(b.s.g, b.s.dtype, len(shape), G.WithShape(shape...), G.WithName(b.Name(name)))
}

// param returns the node bound to the parameter local in this scope,
// creating and initialising the tensor if the store lacks it.
func (b *Builder) param(local string, shape tensor.Shape, init Initializer, fanIn, fanOut int, trainable bool) (*G.Node, *Param) {
	if b.s.err != nil {
		return nil, nil
	}
	name := b.Name(local)
	if n, ok := b.s.bound[name]; ok {
		b.Failf(local, "parameter %q is used twice in one graph (two layers with the same name?)", name)
		return n, nil
	}
	p, err := b.tensor(name, shape, init, fanIn, fanOut, trainable)
	if err != nil {
		b.Fail(err)
		return nil, nil
	}
	n := G.NodeFromAny(b.s.g, p.Value, G.WithName(name))
	b.s.bound[name] = n
	b.s.counting += p.Size()
	b.s.elements += p.Size()
	if trainable {
		b.s.learn = append(b.s.learn, n)
		b.s.learnP = append(b.s.learnP, p)
	}
	return n, p
}

// buffer returns the non-trainable tensor local in this scope (a batch
// norm's running statistics), creating it if needed.
func (b *Builder) buffer(local string, shape tensor.Shape, init Initializer) *tensor.Dense {
	if b.s.err != nil {
		return nil
	}
	name := b.Name(local)
	if _, ok := b.s.bound[name]; ok {
		b.Failf(local, "buffer %q is used twice in one graph", name)
		return nil
	}
	p, err := b.tensor(name, shape, init, 0, 0, false)
	if err != nil {
		b.Fail(err)
		return nil
	}
	b.s.bound[name] = nil
	b.s.counting += p.Size()
	b.s.elements += p.Size()
	return p.Value
}

func (b *Builder) tensor(name string, shape tensor.Shape, init Initializer, fanIn, fanOut int, trainable bool) (*Param, error) {
	if p, ok := b.s.params.Get(name); ok {
		if !p.Value.Shape().Eq(shape) || p.Value.Dtype() != b.s.dtype {
			return nil, errors.Errorf("graph: parameter %q is %v%v in the store, the model wants %v%v",
				name, p.Value.Dtype(), p.Value.Shape(), b.s.dtype, shape)
		}
		if p.Trainable != trainable {
			return nil, errors.Errorf("graph: parameter %q: trainable=%v in the store, the model wants %v", name, p.Trainable, trainable)
		}
		return p, nil
	}
	n, ok := elements(shape)
	if !ok {
		return nil, errors.Wrap(tooLarge(fmt.Sprintf("parameter %q", name), shape), "graph")
	}
	if n > maxParamElements-b.s.elements {
		return nil, errors.Errorf("graph: parameter %q of shape %v would bring the graph's parameters to more than graph.MaxParamElements (%d) elements",
			name, shape, maxParamElements)
	}
	t := tensor.New(tensor.WithShape(shape.Clone()...), tensor.Of(b.s.dtype))
	init(b.s.rng, t, fanIn, fanOut)
	return b.s.params.Add(name, t, trainable)
}
