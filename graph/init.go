package graph

import (
	"math"
	"math/rand"

	"gorgonia.org/tensor"
)

// An Initializer fills t with starting values drawn from rng. fanIn and
// fanOut are those of the layer's weight (PyTorch's convention: for a
// conv weight (O,C,KH,KW), fanIn = C*KH*KW and fanOut = O*KH*KW).
type Initializer func(rng *rand.Rand, t *tensor.Dense, fanIn, fanOut int)

// fill sets every element of t to f().
func fill(t *tensor.Dense, f func() float64) {
	switch d := t.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(f())
		}
	case []float64:
		for i := range d {
			d[i] = f()
		}
	}
}

// Constant sets every element to v.
func Constant(v float64) Initializer {
	return func(_ *rand.Rand, t *tensor.Dense, _, _ int) { fill(t, func() float64 { return v }) }
}

// Uniform draws from U(-bound, bound).
func Uniform(bound float64) Initializer {
	return func(rng *rand.Rand, t *tensor.Dense, _, _ int) {
		fill(t, func() float64 { return (2*rng.Float64() - 1) * bound })
	}
}

// Normal draws from N(mean, std²).
func Normal(mean, std float64) Initializer {
	return func(rng *rand.Rand, t *tensor.Dense, _, _ int) {
		fill(t, func() float64 { return mean + std*rng.NormFloat64() })
	}
}

// TruncatedNormal draws from N(mean, std²) restricted to [lo, hi]
// (torchvision's GoogLeNet uses std 0.01 within ±2).
func TruncatedNormal(mean, std, lo, hi float64) Initializer {
	return func(rng *rand.Rand, t *tensor.Dense, _, _ int) {
		fill(t, func() float64 {
			for {
				if v := mean + std*rng.NormFloat64(); v >= lo && v <= hi {
					return v
				}
			}
		})
	}
}

// KaimingUniform is PyTorch's kaiming_uniform_ with leaky-ReLU slope a
// over fan_in: U(±sqrt(6/((1+a²)·fanIn))). With a = sqrt(5) it is the
// default for nn.Conv2d and nn.Linear weights.
func KaimingUniform(a float64) Initializer {
	return func(rng *rand.Rand, t *tensor.Dense, fanIn, _ int) {
		bound := math.Sqrt(6 / ((1 + a*a) * float64(max(fanIn, 1))))
		Uniform(bound)(rng, t, 0, 0)
	}
}

// DefaultWeight is PyTorch's default conv and linear weight initialiser.
var DefaultWeight = KaimingUniform(math.Sqrt(5))

// DefaultBias is PyTorch's default conv and linear bias initialiser:
// U(±1/sqrt(fanIn)) with the weight's fanIn.
func DefaultBias(rng *rand.Rand, t *tensor.Dense, fanIn, _ int) {
	Uniform(1/math.Sqrt(float64(max(fanIn, 1))))(rng, t, 0, 0)
}

// HeNormal is kaiming_normal_(mode="fan_out", nonlinearity="relu"):
// N(0, 2/fanOut), what torchvision's ResNet uses for its convolutions.
func HeNormal(rng *rand.Rand, t *tensor.Dense, _, fanOut int) {
	Normal(0, math.Sqrt(2/float64(max(fanOut, 1))))(rng, t, 0, 0)
}

// HeNormalFanIn is kaiming_normal_(mode="fan_in", nonlinearity="relu").
func HeNormalFanIn(rng *rand.Rand, t *tensor.Dense, fanIn, _ int) {
	Normal(0, math.Sqrt(2/float64(max(fanIn, 1))))(rng, t, 0, 0)
}

// GlorotUniform is xavier_uniform_: U(±sqrt(6/(fanIn+fanOut))).
func GlorotUniform(rng *rand.Rand, t *tensor.Dense, fanIn, fanOut int) {
	Uniform(math.Sqrt(6/float64(max(fanIn+fanOut, 1))))(rng, t, 0, 0)
}
