package main

import (
	"bytes"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/convzoo/convzoo/graph"
)

// TestResumeAfterKill trains LeNet on 1,024 MNIST images for 3 epochs in a
// subprocess, uninterrupted; then again, killed with SIGKILL at a random
// moment after the first checkpoint, resumed, stopped with SIGTERM,
// resumed again. The final weights, the final training state (optimizer
// moments, moving average) and history.csv (but its seconds) must equal
// the uninterrupted run's.
func TestResumeAfterKill(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "zoo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	args := func(out string) []string {
		return []string{"train", "lenet", "--limit", "1024", "--test-limit", "200", "--epochs", "3", "--batch", "64",
			"--checkpoint-every", "4", "--ema-decay", "0.9", "--out", out}
	}
	ref, run := filepath.Join(dir, "ref"), filepath.Join(dir, "run")
	start := time.Now()
	if out, err := exec.Command(bin, args(ref)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	total := time.Since(start)

	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	ckpt := filepath.Join(run, checkpointFile)
	// interrupted starts the command, waits for a new checkpoint, then a
	// random part of half the reference run's time, and sends sig.
	interrupted := func(sig syscall.Signal, cmdArgs ...string) string {
		cmd := exec.Command(bin, cmdArgs...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		var before time.Time
		if fi, err := os.Stat(ckpt); err == nil {
			before = fi.ModTime()
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if fi, err := os.Stat(ckpt); err == nil && fi.ModTime().After(before) {
				break
			}
		}
		time.Sleep(time.Duration(rng.Int63n(int64(total/2) + 1)))
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		t.Logf("%v at %v: %v\n%s", sig, time.Since(start), err, out.String())
		return out.String()
	}
	start = time.Now()
	interrupted(syscall.SIGKILL, args(run)...)
	out := interrupted(syscall.SIGTERM, "train", "lenet", "--resume", run)
	if strings.Contains(out, "interrupted") && !strings.Contains(out, "continue with: zoo train lenet --resume "+run) {
		t.Errorf("SIGTERM output does not say how to resume:\n%s", out)
	}
	if out, err := exec.Command(bin, "train", "lenet", "--resume", run).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}

	for _, f := range []string{"weights.safetensors", checkpointFile} {
		want, _, err := graph.ReadSafetensorsFile(filepath.Join(ref, f))
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := graph.ReadSafetensorsFile(filepath.Join(run, f))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d tensors, want %d", f, len(got), len(want))
		}
		for k, w := range want {
			g, ok := got[k]
			if !ok || !g.Shape().Eq(w.Shape()) || !sameData(g.Data(), w.Data()) {
				t.Errorf("%s: %s differs from the uninterrupted run's", f, k)
			}
		}
	}
	if got, want := history(t, run), history(t, ref); got != want {
		t.Errorf("history.csv:\n%s\nwant\n%s", got, want)
	}
}

// sameData compares two tensors' data exactly.
func sameData(a, b any) bool {
	switch x := a.(type) {
	case []float32:
		y, ok := b.([]float32)
		return ok && slicesEqual(x, y)
	case []float64:
		y, ok := b.([]float64)
		return ok && slicesEqual(x, y)
	}
	return false
}

func slicesEqual[T float32 | float64](x, y []T) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// history returns history.csv without its seconds column.
func history(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, ",")
		rows = append(rows, strings.Join(append(f[:5:5], f[6:]...), ",")) // all but the seconds column
	}
	return strings.Join(rows, "\n")
}

// TestResumeFlags: --resume refuses flags that change the run, a weights
// file and another model, and extends a run with a larger --epochs.
func TestResumeFlags(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if _, err := runZoo("train", "lenet", "--limit", "64", "--test-limit", "20", "--batch", "32", "--out", run); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "lenet", "--resume", run, "--lr", "0.1"}, "--lr would change it (only --checkpoint-every, --data, --distributed, --epochs may be given)"},
		{[]string{"train", "lenet", "--resume", run, "--out", dir, "--seed", "2"}, "--out, --seed would change it"},
		{[]string{"train", "lenet", "--resume", filepath.Join(run, "weights.safetensors")}, "use --weights FILE"},
		{[]string{"train", "resnet20", "--resume", run}, "is a run of lenet, not resnet20"},
		{[]string{"train", "lenet", "--resume", dir}, checkpointFile},
	} {
		if _, err := runZoo(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("zoo %s: %v, want %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	if _, err := runZoo("train", "lenet", "--resume", run, "--epochs", "2"); err != nil {
		t.Fatal(err)
	}
	if h := history(t, run); strings.Count(h, "\n") != 2 || !strings.Contains(h, "\n2,") {
		t.Errorf("history after extending to 2 epochs:\n%s", h)
	}
}

// TestResumeKeepsCheckpointEvery: --resume goes on saving every
// --checkpoint-every steps as the run it continues did (the flag was not
// among the saved settings, so a resumed run saved at epoch ends only),
// unless --checkpoint-every is given again.
func TestResumeKeepsCheckpointEvery(t *testing.T) {
	run := filepath.Join(t.TempDir(), "run")
	if _, err := runZoo("train", "lenet", "--limit", "64", "--test-limit", "20", "--batch", "32",
		"--checkpoint-every", "3", "--out", run); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"--resume", run}, 3},
		{[]string{"--resume", run, "--checkpoint-every", "5"}, 5},
	} {
		f := &trainFlags{}
		cmd := trainCmdOver(f)
		if err := cmd.ParseFlags(c.args); err != nil {
			t.Fatal(err)
		}
		if err := f.restore(cmd, "lenet", job{}); err != nil {
			t.Fatal(err)
		}
		if f.CheckpointEvery != c.want {
			t.Errorf("%v: --checkpoint-every %d after restore, want %d", c.args, f.CheckpointEvery, c.want)
		}
	}
}

// TestCheckpointIsNotWeights: a run's checkpoint.safetensors given as
// --weights is refused, saying what to give instead (it was a list of 40
// keys that do not fit, or "no tensor ... fits" with --partial).
func TestCheckpointIsNotWeights(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if _, err := runZoo("train", "lenet", "--limit", "64", "--test-limit", "20", "--batch", "32", "--out", run); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(run, checkpointFile)
	for _, args := range [][]string{
		{"train", "lenet", "--limit", "64", "--test-limit", "20", "--weights", ckpt, "--partial", "--out", filepath.Join(dir, "ft")},
		{"train", "lenet", "--limit", "64", "--test-limit", "20", "--weights", ckpt, "--out", filepath.Join(dir, "ft")},
		{"eval", "lenet", "--weights", ckpt},
	} {
		_, err := runZoo(args...)
		if err == nil || !strings.Contains(err.Error(), "training state, not weights") || !strings.Contains(err.Error(), "--resume "+run) {
			t.Errorf("zoo %s: %v, want the training state refused", strings.Join(args, " "), err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "ft")); err == nil {
		t.Error("a refused run left its --out folder")
	}
}
