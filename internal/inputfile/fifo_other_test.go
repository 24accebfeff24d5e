//go:build !unix

package inputfile

import "testing"

// makeFIFO returns "": this system has no FIFOs in its file system.
func makeFIFO(t *testing.T, dir string) string { return "" }
