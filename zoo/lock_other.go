//go:build !unix && !windows

package zoo

import "os"

// lockFile does nothing where the system has no file locks (wasm, plan9):
// there, two processes must not append to one results file at once.
func lockFile(f *os.File) (unlock func(), err error) { return func() {}, nil }

// openStream opens a device for writing.
func openStream(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
}
