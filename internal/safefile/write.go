package safefile

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
)

// Write writes path atomically with fn: fn writes to a temporary file in
// path's folder (named .NAME.tmp-DIGITS), which is synced and renamed over
// path only when fn and every write succeeded; on any failure the old file
// is intact and the temporary file removed.
//
// When path exists and is not a regular file (a device such as /dev/null,
// a FIFO, a socket, a folder), Write refuses it with an error naming it and
// touches nothing; so it does with a file nobody may write (mode without
// any w bit), which the rename would otherwise replace. When path is a
// symbolic link, the file it points to is
// replaced and the link kept; a link to nothing is refused. An existing
// file keeps its permission bits; a new one gets 0666 less the process
// umask (0644 under the usual umask 022). Temporary files left by an
// earlier write of the same file that crashed are removed first (only
// regular files named exactly as Write names them).
//
// Two processes writing the same path at the same time are not supported:
// one may remove the other's temporary file, which then fails with an
// error and leaves the old file intact.
func Write(path string, fn func(w io.Writer) error) (err error) {
	target, mode, err := resolve(path)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	removeStale(dir, base)
	f, err := os.CreateTemp(dir, tempPrefix(base)+"*")
	if err != nil {
		return errors.Wrapf(err, "safefile: writing %s", path)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = fill(f, mode, fn); err != nil {
		return errors.Wrapf(err, "safefile: writing %s", path)
	}
	// Check again just before the rename: this narrows (it cannot close)
	// the window in which the target could have become a device.
	if _, _, err = resolve(path); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), target); err != nil {
		return errors.Wrapf(err, "safefile: writing %s", path)
	}
	syncDir(dir)
	return nil
}

// fill sets f's mode, writes it with fn, syncs and closes it.
func fill(f *os.File, mode os.FileMode, fn func(w io.Writer) error) error {
	if err := f.Chmod(mode); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := fn(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// resolve returns the file that Write replaces for path (path itself, or
// the target of the symbolic link path) and the mode the new file gets.
func resolve(path string) (string, os.FileMode, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return path, newFileMode, nil
	}
	if err != nil {
		return "", 0, errors.Wrap(err, "safefile")
	}
	target := path
	if fi.Mode()&os.ModeSymlink != 0 {
		if target, err = filepath.EvalSymlinks(path); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return "", 0, errors.Errorf("safefile: %s is a symbolic link to a file that does not exist; refusing to write it", path)
			}
			return "", 0, errors.Wrapf(err, "safefile: resolving the symbolic link %s", path)
		}
		if fi, err = os.Stat(target); err != nil {
			return "", 0, errors.Wrap(err, "safefile")
		}
	}
	if err := regular(path, fi); err != nil {
		return "", 0, err
	}
	if fi.Mode().Perm()&0o222 == 0 {
		// A rename needs no write permission on the file: without this
		// check a file its owner made read-only would be replaced.
		return "", 0, errors.Errorf("safefile: %s is read-only (mode %v); refusing to replace it", path, fi.Mode().Perm())
	}
	return target, fi.Mode().Perm(), nil
}

// regular is an error naming path when fi is not a regular file.
func regular(path string, fi os.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	return errors.Errorf("safefile: %s is %s, not a regular file; refusing to use it", path, kind(fi.Mode()))
}

func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "a special file (" + m.Type().String() + ")"
}

func tempPrefix(base string) string { return "." + base + ".tmp-" }

// removeStale removes the temporary files of earlier writes of base in dir
// (os.CreateTemp puts only decimal digits where the pattern has *). It is
// best effort: a failure here does not stop the write.
func removeStale(dir, base string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := tempPrefix(base)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || rest == "" || strings.Trim(rest, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		os.Remove(filepath.Join(dir, e.Name()))
	}
}

// syncDir makes the rename durable; best effort (not every system can sync
// a folder).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
