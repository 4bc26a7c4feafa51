//go:build unix

package safefile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noTemps fails when dir holds any temporary file of Write.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left in %s", e.Name(), dir)
		}
	}
}

func mustErr(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestWriteNewAndReplace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "w.safetensors")
	if err := Write(p, writeString("one")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, p); got != "one" {
		t.Fatalf("got %q", got)
	}
	if err := Write(p, writeString("two")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, p); got != "two" {
		t.Fatalf("got %q", got)
	}
	noTemps(t, dir)
}

func TestWriteFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "h.csv")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(p, func(w io.Writer) error {
		io.WriteString(w, "half-written")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	mustErr(t, err, p)
	if got := read(t, p); got != "old" {
		t.Fatalf("old content lost: %q", got)
	}
	noTemps(t, dir)
}

func TestWriteMode(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	if m := umask(); m != 0o027 {
		t.Fatalf("umask() = %o, want 027", m)
	}
	newFileMode = 0o666 &^ umask()
	defer func() { newFileMode = 0o666 &^ os.FileMode(old) }()

	dir := t.TempDir()
	p := filepath.Join(dir, "new")
	if err := Write(p, writeString("x")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o640 {
		t.Errorf("new file mode %o, want 0640 (0666 less umask 027)", fi.Mode().Perm())
	}
	// An existing file keeps its own mode.
	q := filepath.Join(dir, "old")
	if err := os.WriteFile(q, []byte("a"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(q, 0o604); err != nil {
		t.Fatal(err)
	}
	if err := Write(q, writeString("b")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(q); fi.Mode().Perm() != 0o604 {
		t.Errorf("existing file mode %o, want 0604 kept", fi.Mode().Perm())
	}
}

func TestWriteSymlinkKeepsLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.safetensors")
	link := filepath.Join(dir, "link.safetensors")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.safetensors", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, writeString("new")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s was replaced by a %v", link, fi.Mode().Type())
	}
	if got := read(t, target); got != "new" {
		t.Fatalf("link target holds %q, want new", got)
	}
	noTemps(t, dir)

	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink("nowhere", dangling); err != nil {
		t.Fatal(err)
	}
	mustErr(t, Write(dangling, writeString("x")), dangling, "does not exist")
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); err == nil {
		t.Error("a dangling link's target was created")
	}
}

func TestWriteRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no mkfifo:", err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	linkToFifo := filepath.Join(dir, "tofifo")
	if err := os.Symlink(fifo, linkToFifo); err != nil {
		t.Fatal(err)
	}
	for path, what := range map[string]string{fifo: "FIFO", sub: "folder", linkToFifo: "FIFO"} {
		called := false
		err := Write(path, func(io.Writer) error { called = true; return nil })
		mustErr(t, err, path, what, "not a regular file")
		if called {
			t.Errorf("%s: fn called for a refused target", path)
		}
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("FIFO replaced: %v %v", fi.Mode(), err)
	}
	noTemps(t, dir)
}

// TestWriteDevNull is the case: as root, writing /dev/null replaced
// the device with a regular file. It must be refused and stay a device.
func TestWriteDevNull(t *testing.T) {
	before, err := os.Lstat("/dev/null")
	if err != nil || before.Mode()&os.ModeCharDevice == 0 {
		t.Skip("no /dev/null character device")
	}
	// fn fails, so that even a Write that lost its check never renames
	// over the machine's /dev/null.
	err = Write("/dev/null", func(io.Writer) error { return errors.New("fn called") })
	mustErr(t, err, "/dev/null", "character device")
	after, err := os.Lstat("/dev/null")
	if err != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
		t.Fatalf("/dev/null changed: %v -> %v (%v)", before.Mode(), after.Mode(), err)
	}
	mustErr(t, CheckOutput("/dev/null"), "/dev/null", "character device")
}

func TestWriteRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "weights.safetensors")
	stale := filepath.Join(dir, ".weights.safetensors.tmp-12345")
	other := filepath.Join(dir, ".other.safetensors.tmp-12345")    // another file's temp
	notOurs := filepath.Join(dir, ".weights.safetensors.tmp-keep") // not a CreateTemp name
	staleDir := filepath.Join(dir, ".weights.safetensors.tmp-999") // not a regular file
	for _, f := range []string{stale, other, notOurs} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(staleDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, writeString("ok")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file %s not removed (%v)", stale, err)
	}
	for _, f := range []string{other, notOurs, staleDir} {
		if _, err := os.Lstat(f); err != nil {
			t.Errorf("%s removed: %v", f, err)
		}
	}
}

func TestCheckOutput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "w.safetensors")
	if err := os.WriteFile(in, []byte("weights"), 0o644); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.safetensors")
	if err := os.Link(in, hard); err != nil {
		t.Fatal(err)
	}
	soft := filepath.Join(dir, "soft.safetensors")
	if err := os.Symlink(in, soft); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.safetensors")
	if err := os.WriteFile(other, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{in, filepath.Join(dir, ".", "w.safetensors"), hard, soft} {
		mustErr(t, CheckOutput(out, filepath.Join(dir, "missing"), in), out, in, "same file")
	}
	for _, out := range []string{other, filepath.Join(dir, "new.safetensors")} {
		if err := CheckOutput(out, in); err != nil {
			t.Errorf("CheckOutput(%s): %v", out, err)
		}
	}
	mustErr(t, CheckOutput(dir, in), dir, "folder")
	if got := read(t, in); got != "weights" {
		t.Fatalf("input changed: %q", got)
	}
}

func TestOpenRegular(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "w")
	if err := os.WriteFile(p, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := OpenRegular(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil || string(b) != "data" {
		t.Fatalf("read %q, %v", b, err)
	}
	mustErr(t, func() error { _, err := OpenRegular(dir); return err }(), dir, "folder")

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no mkfifo:", err)
	}
	done := make(chan error, 1)
	go func() { _, err := OpenRegular(fifo); done <- err }()
	select {
	case err := <-done:
		mustErr(t, err, fifo, "FIFO")
	case <-time.After(5 * time.Second):
		t.Fatal("OpenRegular blocked on a FIFO")
	}
}

// TestCheckOutputFolder: a new output in a folder that does not exist (or
// under a file) is refused by CheckOutput, before any work, naming the
// folder; it used to pass and the write failed after the work.
func TestCheckOutputFolder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	nodir := filepath.Join(dir, "nodir", "o.safetensors")
	mustErr(t, CheckOutput(nodir), filepath.Dir(nodir), nodir, "does not exist")
	underFile := filepath.Join(file, "o.safetensors")
	mustErr(t, CheckOutput(underFile), underFile, "not a directory")
	if err := CheckOutput(filepath.Join(dir, "o.safetensors")); err != nil {
		t.Errorf("a new file in an existing folder: %v", err)
	}
	if err := CheckOutput("o.safetensors"); err != nil {
		t.Errorf("a new file in the working folder: %v", err)
	}
}

// TestWriteRefusesReadOnly: a file nobody may write (chmod a-w) is refused
// by Write and CheckOutput and kept; the rename replaced it, as it needs
// no permission on the file itself.
func TestWriteRefusesReadOnly(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "weights.safetensors")
	if err := os.WriteFile(p, []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o444); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{p, link} {
		mustErr(t, Write(path, writeString("new")), path, "read-only")
		mustErr(t, CheckOutput(path), path, "read-only")
	}
	if got := read(t, p); got != "kept" {
		t.Fatalf("read-only file replaced: %q", got)
	}
	noTemps(t, dir)
}
