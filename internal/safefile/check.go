package safefile

import (
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

// CheckOutput checks, before any work, that out can be written by Write:
// it refuses an existing out that is not a regular file (or is a symbolic
// link to nothing), and an out that is the same file as one of inputs —
// also when named by another path, through a symbolic link or by a hard
// link (os.SameFile). A new out must go in an existing folder. Inputs that
// do not exist are skipped: reading them reports that.
func CheckOutput(out string, inputs ...string) error {
	target, _, err := resolve(out)
	if err != nil {
		return err
	}
	ofi, err := os.Stat(out)
	if err != nil {
		// out does not exist yet: it is none of the inputs, but Write
		// creates it in its folder, which must be one.
		dir := filepath.Dir(target)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return errors.Errorf("safefile: the folder %s of %s does not exist", dir, out)
		}
		return nil
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
