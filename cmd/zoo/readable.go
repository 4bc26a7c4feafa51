package main

import (
	"github.com/convzoo/convzoo/internal/safefile"
	"github.com/pkg/errors"
)

// readable checks, before any work, that the file a flag names can be
// opened for reading and is a regular file, so that a missing --weights or
// --resume is reported before a data set is read, not after.
func readable(flag, path string) error {
	f, err := safefile.OpenRegular(path)
	if err != nil {
		return errors.Wrap(err, flag)
	}
	return f.Close()
}
