package op

import (
	"fmt"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// AdaptiveAvgPool2d is PyTorch's F.adaptive_avg_pool2d over x (N,C,H,W):
// output row i averages input rows [floor(i*H/oh), ceil((i+1)*H/oh)), and
// likewise for columns, so any sizes work, including oh = ow = 1 (global
// average pooling) and outputs larger than the input (bins overlap).
func AdaptiveAvgPool2d(x *G.Node, oh, ow int) (*G.Node, error) {
	const op = "AdaptiveAvgPool2d"
	if err := check4D(op, x); err != nil {
		return nil, err
	}
	s := x.Shape()
	if oh < 1 || ow < 1 {
		return nil, errors.Errorf("%s: output size %dx%d for x of shape %v, want at least 1x1", op, oh, ow, s)
	}
	if s[2] < 1 || s[3] < 1 {
		return nil, errors.Errorf("%s: x of shape %v has an empty plane", op, s)
	}
	g := &poolGeom{n: s[0], c: s[1], h: s[2], w: s[3]}
	g.rows.adaptive(s[2], oh)
	g.cols.adaptive(s[3], ow)
	k := &avgPoolKernel{id: nextID(), desc: fmt.Sprintf("AdaptiveAvgPool2d(%dx%d)", oh, ow), g: g}
	return apply(k, k.name(), x)
}
