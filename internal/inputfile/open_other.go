//go:build !unix

package inputfile

import "os"

// openNonBlocking is os.Open: systems that are not Unix have no FIFOs in
// their file system.
func openNonBlocking(path string) (*os.File, error) {
	return os.Open(path)
}
