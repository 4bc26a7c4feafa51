package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// torchJSON runs a Python script with Debian's python3-torch, the JSON of
// in on its standard input, and decodes its standard output into out. It
// skips the test when python3 or torch is missing, unless CONVZOO_FIXTURES
// is set (CI), where it fails.
func torchJSON(t *testing.T, script string, in, out any) {
	t.Helper()
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/bin/python3", "-c", script)
	cmd.Stdin = bytes.NewReader(raw)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		missing := errors.Is(err, fs.ErrNotExist) || strings.Contains(stderr.String(), "No module named 'torch'")
		if missing && os.Getenv("CONVZOO_FIXTURES") == "" {
			t.Skipf("no python3-torch: %v %s", err, stderr.String())
		}
		t.Fatalf("python3-torch (needed when CONVZOO_FIXTURES is set): %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(res, out); err != nil {
		t.Fatalf("python output %q: %v", res, err)
	}
}
