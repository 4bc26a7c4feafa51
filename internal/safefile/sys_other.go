//go:build !unix

package safefile

import "os"

const nonblock = 0

// newFileMode: without a umask, the usual 0644.
var newFileMode os.FileMode = 0o644
