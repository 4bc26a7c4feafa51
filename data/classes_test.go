package data

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestClassNames checks the sizes, uniqueness and a few known entries of
// every list, and compares the ImageNet names with torchvision's when
// python3-torchvision is installed (CI installs it).
func TestClassNames(t *testing.T) {
	for _, tc := range []struct {
		name  string
		names []string
		n     int
		known map[int]string
	}{
		{"mnist", MNISTClasses, 10, map[int]string{0: "0", 9: "9"}},
		{"fashion-mnist", FashionMNISTClasses, 10, map[int]string{9: "Ankle boot"}},
		{"cifar10", CIFAR10Classes, 10, map[int]string{3: "cat"}},
		{"cifar100", CIFAR100Classes, 100, map[int]string{0: "apple", 1: "aquarium_fish", 99: "worm"}},
		{"imagenet", ImageNetClasses, 1000, map[int]string{0: "tench", 281: "tabby", 285: "Egyptian cat", 967: "espresso", 999: "toilet tissue"}},
	} {
		if len(tc.names) != tc.n {
			t.Errorf("%s: %d names, want %d", tc.name, len(tc.names), tc.n)
			continue
		}
		seen := map[string]bool{}
		for i, s := range tc.names {
			if s == "" || s != strings.TrimSpace(s) || seen[s] {
				t.Errorf("%s: name %d %q is empty, padded or repeated", tc.name, i, s)
			}
			seen[s] = true
		}
		for i, want := range tc.known {
			if tc.names[i] != want {
				t.Errorf("%s: name %d is %q, want %q", tc.name, i, tc.names[i], want)
			}
		}
	}
	const meta = "/usr/lib/python3/dist-packages/torchvision/models/_meta.py"
	if _, err := os.Stat(meta); err != nil {
		t.Log("python3-torchvision is not installed: the ImageNet names are not compared with its _meta.py")
		return
	}
	// Parsed, not imported: importing torchvision loads torch (half a minute).
	out, err := exec.Command("/usr/bin/python3", "-c", `import ast, sys
for n in ast.parse(open(sys.argv[1]).read()).body:
    if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "_IMAGENET_CATEGORIES":
        print("\n".join(ast.literal_eval(n.value)))`, meta).Output()
	if err != nil {
		t.Fatalf("reading torchvision's categories: %v", err)
	}
	if got, want := strings.Join(ImageNetClasses, "\n"), strings.TrimSuffix(string(out), "\n"); got != want {
		t.Error("ImageNetClasses differ from torchvision's _IMAGENET_CATEGORIES")
	}
}
