package inputfile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "data")
	if err := os.WriteFile(regular, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "zero")
	if err := os.Symlink(os.DevNull, link); err != nil {
		t.Skip("no symbolic links:", err)
	}
	cases := []struct {
		path, kind string
	}{
		{dir, "a folder"},
		{os.DevNull, "a character device"},
		{link, "a character device"},
	}
	if fifo := makeFIFO(t, dir); fifo != "" {
		cases = append(cases, struct{ path, kind string }{fifo, "a named pipe (FIFO)"})
	}
	for _, c := range cases {
		f, err := openOrUnblock(t, c.path)
		if f != nil {
			f.Close()
		}
		var nr *NotRegularError
		if !errors.As(err, &nr) {
			t.Fatalf("Open(%s) = %v, want a *NotRegularError", c.path, err)
		}
		if want := c.path + ": " + c.kind + ", not a regular file"; err.Error() != want {
			t.Errorf("Open(%s) error %q, want %q", c.path, err, want)
		}
	}
	f, size, err := Open(regular)
	if err != nil || size != 5 {
		t.Fatalf("Open(regular) = %v, size %d", err, size)
	}
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil || string(b) != "12345" {
		t.Errorf("reading the regular file gave %q, %v", b, err)
	}
	if _, _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want os.ErrNotExist", err)
	}
}

// openOrUnblock is Open(path), which must return by itself: a FIFO no one
// writes to must not be waited on. If Open is still blocked after a minute
// (a hang guard, not a measure), a writer is opened to release it and the
// test fails.
func openOrUnblock(t *testing.T, path string) (*os.File, error) {
	t.Helper()
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, _, err := Open(path)
		done <- result{f, err}
	}()
	select {
	case r := <-done:
		return r.f, r.err
	case <-time.After(time.Minute):
		t.Errorf("Open(%s) is still waiting after a minute: it waits for a writer", path)
		if w, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			defer w.Close()
		}
		r := <-done
		return r.f, r.err
	}
}

func TestWithContextStopsAtCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := WithContext(ctx, bytes.NewReader(make([]byte, 10<<20)))
	buf := make([]byte, 10<<20)
	n, err := r.Read(buf)
	if err != nil || n != maxChunk {
		t.Fatalf("first read: %d bytes, %v; want %d bytes (one chunk)", n, err, maxChunk)
	}
	cancel()
	if _, err := r.Read(buf); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel = %v, want context.Canceled", err)
	}
	if got := WithContext(context.Background(), strings.NewReader("")); got == nil {
		t.Error("WithContext(Background) = nil")
	}
}

// A Read blocked on a pipe no one writes to ends when the context does.
func TestInterruptibleStopsABlockedRead(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	defer pr.Close()
	ctx, cancel := context.WithCancel(context.Background())
	entered := make(chan struct{}, 2)
	r := Interruptible(ctx, enteringReader{pr, entered})
	pw.Write([]byte("abc"))
	buf := make([]byte, 10)
	if n, err := r.Read(buf); err != nil || string(buf[:n]) != "abc" {
		t.Fatalf("first read %q, %v", buf[:n], err)
	}
	done := make(chan error, 1)
	<-entered
	go func() {
		_, err := r.Read(buf) // nothing more is written
		done <- err
	}()
	<-entered // the pipe's Read has begun, and waits
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("blocked read after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute): // a hang guard
		t.Fatal("the blocked read did not end after cancel")
	}
	if _, err := r.Read(buf); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel = %v", err)
	}
}

// enteringReader says on entered each time a Read begins.
type enteringReader struct {
	r       io.Reader
	entered chan<- struct{}
}

func (e enteringReader) Read(p []byte) (int, error) {
	e.entered <- struct{}{}
	return e.r.Read(p)
}
