// Package safefile writes and opens files so that nothing the user had is
// lost or blocked on.
//
// Write replaces a file atomically: it writes a temporary file next to the
// target, syncs it and renames it over the target, so a crash or an error
// leaves the old file intact. It refuses targets that are not regular files
// (a device such as /dev/null, a FIFO, a socket, a folder): renaming over
// them would replace the device node itself, which is never what a user
// who types --output /dev/null means, and writing into them in place would
// not be atomic. A symbolic link is followed: its target is rewritten and
// the link stays a link.
//
// CheckOutput refuses an output path that names one of the inputs (also
// through another path, a symbolic link or a hard link), before any work.
// OpenRegular opens a file for reading and refuses anything but a regular
// file, without blocking on a FIFO.
package safefile
