package graph

import (
	"fmt"
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// CompileConfig sets up Compile. Input is required; the zero value of
// every other field is its default.
type CompileConfig struct {
	// Batch is the largest number of images one Forward call takes; a
	// smaller batch is padded. 0 means 1.
	Batch int
	// Input is the shape of one image, (C, H, W). Required.
	Input []int
	// Dtype is tensor.Float32 (the default when zero) or tensor.Float64.
	Dtype tensor.Dtype
	// Rand initialises the parameters ps lacks; nil means
	// rand.New(rand.NewSource(0)).
	Rand *rand.Rand
	// NoFuse keeps every layer a separate op. False (the default) merges
	// into each convolution the batch norm, residual Add and ReLU that
	// follow it directly (as conv-bn-relu, conv-bn-add-relu, conv-relu):
	// one op whose output pass applies them, from the current weights
	// and statistics at every Forward (op.FuseConv). The logits are the
	// same (to the bit for convolutions without bias); the layers, their
	// names and the parameters are unchanged.
	NoFuse bool
	// NoPlan gives every op its own output buffer for the life of the
	// Net. False (the default) plans them: outputs whose lifetimes in the
	// program do not overlap share one slab, and the convolutions share
	// their scratch (CompileMachine), so a Net holds a few activations
	// instead of all of them. The logits are the same to the bit.
	NoPlan bool
}

// A Net is a model compiled once, in evaluation mode (dropout off, batch
// norm on its running statistics), for one batch size over a Params
// store: the one inference machine of convzoo. Forward may be called any
// number of times; the weights it uses are the store's tensors, so a
// later ps.Load or optimizer step is seen by the next Forward.
//
// A Net is not safe for concurrent use: its input tensor and machine are
// reused by every call. Serialise calls (infer.Predictor does, with a
// mutex) or compile one Net per goroutine over the same Params (they
// share the weights, not the buffers).
type Net struct {
	vm      G.VM
	g       *G.ExprGraph // what the machine runs: the nodes y depends on
	y       *G.Node
	xT      *tensor.Dense // the input node's value, (Batch, C, H, W)
	x32     []float32     // xT's backing (Data() allocates at every call)
	x64     []float64
	batch   int
	input   [3]int
	classes int
	dtype   tensor.Dtype
}

// Compile builds model in evaluation mode over ps for cfg.Batch images of
// shape cfg.Input and prepares its machine. Parameters ps lacks are
// created and initialised from cfg.Rand;
// load weights into ps before or after compiling (ps.Load copies in
// place). The model must return logits of shape (Batch, classes).
func Compile(model Model, ps *Params, cfg CompileConfig) (n *Net, err error) {
	if cfg.Batch == 0 {
		cfg.Batch = 1
	}
	if cfg.Dtype == (tensor.Dtype{}) {
		cfg.Dtype = tensor.Float32
	}
	switch {
	case model == nil:
		return nil, errors.New("graph: Compile: nil model")
	case cfg.Batch < 0:
		return nil, errors.Errorf("graph: Compile: batch %d is negative", cfg.Batch)
	case len(cfg.Input) != 3:
		return nil, errors.Errorf("graph: Compile: input shape %v, want (C, H, W)", cfg.Input)
	}
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, errors.Errorf("graph: Compile: building the evaluation graph: panic: %v", r)
		}
	}()
	b := NewBuilder(ps, Config{Dtype: cfg.Dtype, Rand: cfg.Rand})
	b.s.fuse = !cfg.NoFuse
	x := b.Input("input", cfg.Batch, cfg.Input[0], cfg.Input[1], cfg.Input[2])
	y := model(b, x)
	if err := b.Err(); err != nil {
		return nil, errors.Wrap(err, "graph: Compile")
	}
	if y == nil || y.Dims() != 2 || y.Shape()[0] != cfg.Batch {
		var s tensor.Shape
		if y != nil {
			s = y.Shape()
		}
		return nil, errors.Errorf("graph: Compile: the model returned logits of shape %v, want (%d, classes)", s, cfg.Batch)
	}
	n = &Net{y: y, batch: cfg.Batch, input: [3]int{cfg.Input[0], cfg.Input[1], cfg.Input[2]},
		classes: y.Shape()[1], dtype: cfg.Dtype}
	n.xT = tensor.New(tensor.WithShape(cfg.Batch, cfg.Input[0], cfg.Input[1], cfg.Input[2]), tensor.Of(cfg.Dtype))
	n.x32, _ = n.xT.Data().([]float32)
	n.x64, _ = n.xT.Data().([]float64)
	if err := G.Let(x, n.xT); err != nil {
		return nil, errors.Wrap(err, "graph: Compile: binding the input")
	}
	// Only what the logits depend on: not the layers a fused op replaced.
	n.g = b.Graph().ExactSubgraphRoots(y)
	if n.vm, _, err = CompileMachine(n.g, !cfg.NoPlan, G.Nodes{y}); err != nil {
		return nil, errors.Wrap(err, "graph: Compile")
	}
	return n, nil
}

// Batch is the largest batch Forward takes.
func (n *Net) Batch() int { return n.batch }

// Input is the (C, H, W) shape of one image.
func (n *Net) Input() [3]int { return n.input }

// Classes is the number of logits per image.
func (n *Net) Classes() int { return n.classes }

// Dtype is the element type of inputs and logits.
func (n *Net) Dtype() tensor.Dtype { return n.dtype }

// Forward runs the model on x, of shape (N, C, H, W) with 1 <= N <= Batch
// and the Net's dtype, and returns the logits (N, classes) in a new
// tensor the caller owns. Rows past N are padded with zeros and dropped.
func (n *Net) Forward(x *tensor.Dense) (out *tensor.Dense, err error) {
	if n.vm == nil {
		return nil, errors.New("graph: Forward on a closed Net")
	}
	if x == nil {
		return nil, errors.New("graph: Forward: nil input")
	}
	s := x.Shape()
	if s.Dims() != 4 || s[1] != n.input[0] || s[2] != n.input[1] || s[3] != n.input[2] || s[0] < 1 || s[0] > n.batch {
		return nil, errors.Errorf("graph: Forward: input shape %v, want (N, %d, %d, %d) with 1 <= N <= %d",
			s, n.input[0], n.input[1], n.input[2], n.batch)
	}
	if x.Dtype() != n.dtype {
		return nil, errors.Errorf("graph: Forward: input is %v, the net was compiled for %v", x.Dtype(), n.dtype)
	}
	if x.IsView() {
		x = x.Materialize().(*tensor.Dense)
	}
	rows := s[0]
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, errors.Errorf("graph: Forward: panic: %v", r)
		}
	}()
	defer n.vm.Reset()
	if n.x32 != nil {
		padCopy(n.x32, x.Data().([]float32))
	} else {
		padCopy(n.x64, x.Data().([]float64))
	}
	if err := n.vm.RunAll(); err != nil {
		return nil, errors.Wrap(err, "graph: Forward: running the evaluation graph")
	}
	switch d := n.y.Value().Data().(type) {
	case []float32:
		return tensor.New(tensor.WithShape(rows, n.classes), tensor.WithBacking(append([]float32(nil), d[:rows*n.classes]...))), nil
	case []float64:
		return tensor.New(tensor.WithShape(rows, n.classes), tensor.WithBacking(append([]float64(nil), d[:rows*n.classes]...))), nil
	}
	return nil, errors.Errorf("graph: Forward: logits are %T", n.y.Value().Data())
}

// padCopy copies src to the start of dst and zeroes the rest.
func padCopy[T float32 | float64](dst, src []T) {
	clear(dst[copy(dst, src):])
}

// Close releases the machine. Forward on a closed Net is an error; Close
// is idempotent.
func (n *Net) Close() error {
	if n.vm == nil {
		return nil
	}
	err := n.vm.Close()
	n.vm = nil
	if err != nil {
		return errors.Wrap(err, "graph: closing the net")
	}
	return nil
}

// String describes the net: "Net(batch 1, input [3 224 224], 1000 classes, float32)".
func (n *Net) String() string {
	return fmt.Sprintf("Net(batch %d, input %v, %d classes, %v)", n.batch, n.input[:], n.classes, n.dtype)
}
