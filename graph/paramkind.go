package graph

// ParamKind says what a trainable parameter is to the layer that binds it,
// so that an optimizer can treat kinds apart (torchvision trains without
// weight decay on normalisation parameters and biases).
type ParamKind uint8

const (
	// ParamWeight is a convolution or linear weight, and the kind of a
	// parameter that no graph has bound yet.
	ParamWeight ParamKind = iota
	// ParamBias is the bias of a convolution or linear layer.
	ParamBias
	// ParamNorm is a scale or shift of a normalisation layer (batch
	// norm's weight and bias, gamma and beta).
	ParamNorm
)

// String names the kind.
func (k ParamKind) String() string {
	switch k {
	case ParamBias:
		return "bias"
	case ParamNorm:
		return "norm"
	}
	return "weight"
}

// setKind records the kind of a parameter a layer has bound; p is nil
// after a build error.
func setKind(p *Param, k ParamKind) {
	if p != nil {
		p.Kind = k
	}
}
