package infer

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// runPython runs /usr/bin/python3 with args, for tests whose expected
// values come from PyTorch/torchvision at test time. Where Python or one
// of its modules is missing the test is skipped, with the reason, unless
// CONVZOO_FIXTURES is set (CI sets it and installs python3-torch): then
// it fails.
func runPython(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("/usr/bin/python3", args...).CombinedOutput()
	if err == nil {
		return
	}
	missing := os.IsNotExist(err) || strings.Contains(string(out), "ModuleNotFoundError")
	if missing && os.Getenv("CONVZOO_FIXTURES") == "" {
		t.Skipf("needs /usr/bin/python3 with numpy, PIL, torch and torchvision (apt-get install python3-torchvision): %v\n%s", err, out)
	}
	t.Fatalf("/usr/bin/python3 %s: %v\n%s", strings.Join(args, " "), err, out)
}
