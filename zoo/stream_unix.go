//go:build unix

package zoo

import (
	"os"
	"syscall"
)

// openStream opens a pipe or device for writing. O_NONBLOCK makes opening
// a FIFO that no process reads fail (ENXIO) instead of waiting; the flag is
// then cleared so that writes wait for a slow reader rather than fail.
func openStream(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|syscall.O_NONBLOCK, 0)
	if err != nil {
		if pe, ok := err.(*os.PathError); ok && pe.Err == syscall.ENXIO {
			return nil, errNoReader
		}
		return nil, err
	}
	if err := syscall.SetNonblock(int(f.Fd()), false); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
