package graph

import (
	"errors"
	"testing"
)

// Fail wraps an error with the scope's name, as its comment says, unless
// the error names the scope already.
func TestFailNamesTheScope(t *testing.T) {
	boom := errors.New("zoo: boom")
	cases := []struct {
		scope []string
		fail  func(b *Builder)
		want  string
	}{
		{nil, func(b *Builder) { b.Fail(boom) }, "zoo: boom"},
		{[]string{"layer1", "0"}, func(b *Builder) { b.Fail(boom) }, "layer1.0: zoo: boom"},
		{[]string{"layer1", "0"}, func(b *Builder) { b.Failf("conv1", "bad") }, "graph: layer1.0.conv1: bad"},
		{[]string{"layer1", "0"}, func(b *Builder) { b.Fail(errors.New("zoo: layer1.0.shortcut: bad")) }, "zoo: layer1.0.shortcut: bad"},
		{[]string{"layer1", "0"}, func(b *Builder) { b.Fail(errors.New("zoo: layer1.0: bad")) }, "zoo: layer1.0: bad"},
		{[]string{"layer1", "0"}, func(b *Builder) { b.Fail(errors.New("zoo: layer1.00 and xlayer1.0: bad")) }, "layer1.0: zoo: layer1.00 and xlayer1.0: bad"},
		{[]string{"layer1"}, func(b *Builder) { b.Fail(errors.New("first")); b.Fail(errors.New("second")) }, "layer1: first"},
	}
	for _, c := range cases {
		root := NewBuilder(NewParams(), Config{})
		b := root
		for _, s := range c.scope {
			b = b.Scope(s)
		}
		c.fail(b)
		if err := root.Err(); err == nil || err.Error() != c.want {
			t.Errorf("scope %v: error %v, want %q", c.scope, err, c.want)
		}
	}
	b := NewBuilder(NewParams(), Config{}).Scope("s")
	b.Fail(boom)
	if !errors.Is(b.Err(), boom) {
		t.Errorf("the wrapped error %v does not unwrap to the original", b.Err())
	}
}
