//go:build unix

package inputfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// makeFIFO makes a named pipe in dir that no one ever writes to.
func makeFIFO(t *testing.T, dir string) string {
	p := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOpenReadsNothingOfAFIFO: Open refuses a FIFO that has a writer and
// bytes waiting without reading any of them: a reader opened before finds
// them all afterwards.
func TestOpenReadsNothingOfAFIFO(t *testing.T) {
	p := makeFIFO(t, t.TempDir())
	r, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	const sent = "bytes for the real reader"
	if _, err := w.WriteString(sent); err != nil {
		t.Fatal(err)
	}
	f, _, err := Open(p)
	if f != nil {
		f.Close()
	}
	var nr *NotRegularError
	if !errors.As(err, &nr) {
		t.Fatalf("Open(FIFO with a writer) = %v, want a *NotRegularError", err)
	}
	buf := make([]byte, 2*len(sent))
	n, err := r.Read(buf)
	if got := string(buf[:n]); got != sent {
		t.Errorf("the FIFO's reader finds %q (%v) after Open, want %q: Open read from it", got, err, sent)
	}
}
