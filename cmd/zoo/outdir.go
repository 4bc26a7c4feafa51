package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/pkg/errors"
)

// runFiles are the names a training run writes in its --out folder.
var runFiles = []string{"history.csv", "weights.safetensors", "checkpoint.safetensors", "checkpoint-epoch*.safetensors"}

// prepareOut makes sure dir exists and accepts files, before any work. A
// dir that already holds files is refused unless reuse is set (--resume or
// --force), so that one run's history never ends up beside another run's
// weights. It returns the first folder it created ("" when dir existed),
// for removeEmpty.
func prepareOut(dir string, reuse bool) (created string, err error) {
	if es, err := os.ReadDir(dir); err == nil && len(es) > 0 && !reuse {
		names := make([]string, 0, 3)
		for _, e := range es[:min(3, len(es))] {
			names = append(names, e.Name())
		}
		if len(es) > 3 {
			names = append(names, "...")
		}
		return "", errors.Errorf("--out %s already holds files (%s): choose a new folder, or --resume to continue that run, or --force to replace it",
			dir, strings.Join(names, ", "))
	}
	created = firstMissing(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", errors.Wrapf(err, "--out %s is not writable", dir)
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		removeEmpty(dir, created)
		return "", errors.Wrapf(err, "--out %s is not writable", dir)
	}
	f.Close()
	os.Remove(f.Name())
	// A file of the run that cannot be written (a folder, a link to a
	// device) would fail the run after its first epoch: refuse it now.
	for _, name := range runFiles {
		if !strings.ContainsRune(name, '*') {
			if err := safefile.CheckOutput(filepath.Join(dir, name)); err != nil {
				return "", errors.Wrap(err, "--out")
			}
		}
	}
	return created, nil
}

// firstMissing is the outermost folder of dir that does not exist yet, or
// "" if dir exists.
func firstMissing(dir string) string {
	missing := ""
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			return missing
		}
		missing = d
		if filepath.Dir(d) == d {
			return missing
		}
	}
}

// removeEmpty removes dir and its parents up to created, the folders
// prepareOut made, as long as they are empty: a run that failed before
// writing anything leaves nothing behind.
func removeEmpty(dir, created string) {
	if created == "" {
		return
	}
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if os.Remove(d) != nil || d == created || filepath.Dir(d) == d {
			return
		}
	}
}

// removeRun deletes the previous run's files (runFiles) in dir, for
// --force, and says which.
func removeRun(w io.Writer, dir string) error {
	es, err := os.ReadDir(dir)
	if err != nil {
		return errors.Wrap(err, "--force")
	}
	var removed []string
	for _, e := range es {
		if !isRunFile(e.Name()) || e.IsDir() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return errors.Wrap(err, "--force")
		}
		removed = append(removed, e.Name())
	}
	if len(removed) > 0 {
		fmt.Fprintf(w, "--force: removed the previous run's %s from %s\n", strings.Join(removed, ", "), dir)
	}
	return nil
}

func isRunFile(name string) bool {
	for _, pattern := range runFiles {
		if ok, _ := filepath.Match(pattern, name); ok {
			return true
		}
	}
	return false
}

// freshRunDir returns base if it is missing or empty, else the first of
// base-2, base-3, ... that is: without --out, a second zoo train never
// refuses to run and never mixes two runs' files.
func freshRunDir(base string) string {
	for i := 1; i <= 10000; i++ {
		dir := base
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", base, i)
		}
		if es, err := os.ReadDir(dir); err != nil && os.IsNotExist(err) || err == nil && len(es) == 0 {
			return dir
		}
	}
	return base // prepareOut then says why it cannot be used
}
