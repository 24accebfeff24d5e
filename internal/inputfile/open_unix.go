//go:build unix

package inputfile

import (
	"os"
	"syscall"
)

// openNonBlocking opens with O_NONBLOCK so that opening a FIFO does not wait
// for a writer; the flag changes nothing for regular files.
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
