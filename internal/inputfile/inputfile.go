package inputfile

import (
	"context"
	"io"
	"io/fs"
	"os"

	"github.com/pkg/errors"
)

// NotRegularError reports an input path that is not a regular file.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

// Error names the path and what it is, e.g. "x: a named pipe (FIFO), not a
// regular file".
func (e *NotRegularError) Error() string {
	return e.Path + ": " + Kind(e.Mode) + ", not a regular file"
}

// Kind says in words what kind of file mode m is.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeIrregular != 0:
		return "a special file"
	case m.IsRegular():
		return "a regular file"
	}
	return "a special file"
}

// Open opens path for reading if it is a regular file (after following
// symbolic links) and returns it with its size. Anything else is refused
// with a *NotRegularError, without waiting for a FIFO's writer. Other
// failures are the *fs.PathError of os.Open, wrapped.
func Open(path string) (*os.File, int64, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, 0, errors.WithStack(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, errors.Wrapf(err, "stat %s", path)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, &NotRegularError{Path: path, Mode: st.Mode()}
	}
	return f, st.Size(), nil
}

// WithContext returns a reader that reads from r until ctx is done and then
// fails with ctx.Err() at its next Read.
func WithContext(ctx context.Context, r io.Reader) io.Reader {
	if ctx == nil || ctx.Done() == nil {
		return r
	}
	return &ctxReader{ctx: ctx, r: r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

// maxChunk keeps one Read short enough that cancellation is seen quickly
// even when a caller asks for a whole file at once.
const maxChunk = 4 << 20

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if len(p) > maxChunk {
		p = p[:maxChunk]
	}
	return c.r.Read(p)
}

// Interruptible returns a reader that reads from r until ctx is done and
// then fails with ctx.Err() at once, even while a Read of r is blocked (a
// terminal or a pipe no one writes to): that Read is left to end in the
// background and what it reads is dropped. Use it for a reader nothing
// reads after ctx is done, such as a command's stdin.
func Interruptible(ctx context.Context, r io.Reader) io.Reader {
	if ctx == nil || ctx.Done() == nil {
		return r
	}
	return &interruptible{ctx: ctx, r: r, done: make(chan readResult, 1)}
}

type readResult struct {
	n   int
	err error
}

type interruptible struct {
	ctx  context.Context
	r    io.Reader
	buf  []byte // what the Read in progress reads into
	done chan readResult
}

func (c *interruptible) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// The background Read fills a buffer of this reader's own, never p,
	// which the caller owns again once this Read has returned.
	n := min(len(p), maxChunk)
	if cap(c.buf) < n {
		c.buf = make([]byte, n)
	}
	buf := c.buf[:n]
	go func() {
		n, err := c.r.Read(buf)
		c.done <- readResult{n, err}
	}()
	select {
	case res := <-c.done:
		return copy(p, buf[:res.n]), res.err
	case <-c.ctx.Done():
		c.buf = nil // the background Read still owns it
		return 0, c.ctx.Err()
	}
}
