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
		start := time.Now()
		f, _, err := Open(c.path)
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
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Open(%s) took %v: it waited", c.path, d)
		}
		if err := Check(c.path); !errors.As(err, &nr) {
			t.Errorf("Check(%s) = %v, want a *NotRegularError", c.path, err)
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
	if err := Check(regular); err != nil {
		t.Errorf("Check(regular) = %v", err)
	}
	if err := Check(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("Check(missing) = %v, want nil", err)
	}
	if _, _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want os.ErrNotExist", err)
	}
}

func TestReadFileBoundsTheSizeBeforeReading(t *testing.T) {
	dir := t.TempDir()
	sparse := filepath.Join(dir, "sparse")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100 << 30); err != nil { // 100 GiB, a few KB on disk
		t.Skip("no sparse files here:", err)
	}
	f.Close()
	_, err = ReadFile(context.Background(), sparse, 1<<20)
	if err == nil || !strings.Contains(err.Error(), "over the limit of 1048576") {
		t.Fatalf("ReadFile(100 GiB sparse) = %v, want the limit error", err)
	}
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("abc"), 0o644)
	if b, err := ReadFile(context.Background(), small, 3); err != nil || string(b) != "abc" {
		t.Errorf("ReadFile(small) = %q, %v", b, err)
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
