//go:build !unix

package zoo

import "os"

// openStream opens a device (NUL, CON on Windows) for writing.
func openStream(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
}
