package op

import "testing"

// TestOutSize: the window counts of PyTorch's Conv2d and MaxPool2d for
// the same arguments (values from torch 1.13).
func TestOutSize(t *testing.T) {
	for _, c := range []struct {
		in, k, s, p, d int
		ceil           bool
		want           int
	}{
		{224, 7, 2, 3, 1, false, 112}, // ResNet stem
		{112, 3, 2, 1, 1, false, 56},  // ResNet max pool
		{32, 3, 1, 1, 0, false, 32},   // zero stride/dilation mean 1
		{28, 5, 1, 0, 1, false, 24},   // LeNet conv2
		{112, 3, 2, 0, 1, true, 56},   // GoogLeNet pool, ceil_mode
		{14, 3, 2, 0, 1, true, 7},     // ceil adds the partial window
		{14, 3, 2, 0, 1, false, 6},
		{5, 2, 2, 1, 1, true, 3},    // last window would start in the right padding: dropped
		{10, 3, 1, 2, 2, false, 10}, // dilation 2: effective kernel 5
		{2, 3, 2, 0, 1, false, 0},   // kernel larger than the input
		{2, 3, 2, 0, 1, true, 0},
	} {
		if got := OutSize(c.in, c.k, c.s, c.p, c.d, c.ceil); got != c.want {
			t.Errorf("OutSize(%d, k %d, s %d, p %d, d %d, ceil %t) = %d, want %d", c.in, c.k, c.s, c.p, c.d, c.ceil, got, c.want)
		}
	}
}
