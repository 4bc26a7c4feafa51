package main

import (
	"errors"
	"strings"
	"testing"
)

func TestErrorLinePrefixOnce(t *testing.T) {
	_, err := runZoo("summary", "nosuch")
	if err == nil {
		t.Fatal("no error")
	}
	if got := errorLine(err); !strings.HasPrefix(got, `zoo: unknown model "nosuch"`) || strings.Count(got, "zoo: ") != 1 {
		t.Errorf("error line %q, want one \"zoo: \" prefix", got)
	}
	if got := errorLine(errors.New("--epochs must be at least 1, got 0")); got != "zoo: --epochs must be at least 1, got 0" {
		t.Errorf("error line %q", got)
	}
}
