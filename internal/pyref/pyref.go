// Package pyref runs the Python scripts that compute reference values
// with PyTorch, torchvision and Pillow at test time (nothing they write is
// committed).
package pyref

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Python is the interpreter the references use: Debian's, which has
// python3-torch and python3-torchvision (a pyenv or conda python3 earlier
// on PATH usually has not).
const Python = "/usr/bin/python3"

// Run runs Python with args. When Python or one of its modules is
// missing, the test is skipped with the reason, unless CONVZOO_FIXTURES
// is set (CI sets it and installs the packages): then it fails, so a
// broken CI cannot pass by skipping.
func Run(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command(Python, args...).CombinedOutput()
	if err == nil {
		return
	}
	missing := os.IsNotExist(err) || strings.Contains(string(out), "ModuleNotFoundError")
	if missing && os.Getenv("CONVZOO_FIXTURES") == "" {
		t.Skipf("needs %s with numpy, Pillow, torch and torchvision (apt-get install python3-torchvision): %v\n%s", Python, err, out)
	}
	t.Fatalf("%s %s: %v\n%s", Python, strings.Join(args, " "), err, out)
}
