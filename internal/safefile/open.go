package safefile

import (
	"os"

	"github.com/pkg/errors"
)

// OpenRegular opens path for reading and refuses anything but a regular
// file (a FIFO, a device, a folder, a socket), naming it. It opens first
// and then checks the opened file (with O_NONBLOCK where the system has
// it, so opening a FIFO with no writer does not block): checking the path
// before opening it would leave a window in which it could be swapped.
func OpenRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|nonblock, 0)
	if err != nil {
		return nil, errors.Wrap(err, "safefile")
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, errors.Wrap(err, "safefile")
	}
	if err := regular(path, fi); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
