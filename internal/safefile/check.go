package safefile

import (
	"os"

	"github.com/pkg/errors"
)

// CheckOutput checks, before any work, that out can be written by Write:
// it refuses an existing out that is not a regular file (or is a symbolic
// link to nothing), and an out that is the same file as one of inputs —
// also when named by another path, through a symbolic link or by a hard
// link (os.SameFile). Inputs that do not exist are skipped: reading them
// reports that.
func CheckOutput(out string, inputs ...string) error {
	if _, _, err := resolve(out); err != nil {
		return err
	}
	ofi, err := os.Stat(out)
	if err != nil {
		return nil // out does not exist yet: it is none of the inputs
	}
	for _, in := range inputs {
		ifi, err := os.Stat(in)
		if err != nil {
			continue
		}
		if os.SameFile(ofi, ifi) {
			return errors.Errorf("safefile: output %s is the same file as the input %s; refusing to overwrite it", out, in)
		}
	}
	return nil
}
