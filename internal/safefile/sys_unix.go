//go:build unix

package safefile

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// nonblock keeps OpenRegular from blocking on a FIFO with no writer. On a
// regular file it changes nothing.
const nonblock = syscall.O_NONBLOCK

// newFileMode is the mode of a file Write creates: 0666 less the umask, as
// os.Create would give (os.CreateTemp gives 0600).
var newFileMode = os.FileMode(0o666) &^ umask()

// umask reads the process umask from /proc/self/status (Linux 4.7+), which
// changes nothing; elsewhere it sets and restores it once, at package
// initialisation, before the program has started goroutines that could
// create files in between.
func umask() os.FileMode {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "Umask:"); ok {
				if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return os.FileMode(m) & os.ModePerm
				}
			}
		}
	}
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m) & os.ModePerm
}
