package loader

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/pkg/errors"
)

const (
	// maxIDXElements caps the element count an IDX header may announce, so a
	// lying header is rejected before anything is allocated for it.
	maxIDXElements = 1 << 31

	// maxIDXDims caps the number of dimensions; real datasets use 1 to 4.
	maxIDXDims = 8

	// idxUint8 is the only IDX type code supported: unsigned byte.
	idxUint8 = 0x08

	// firstChunk is the initial data buffer; it doubles as data arrives so
	// that memory follows the bytes actually read, not the header's promise.
	firstChunk = 64 << 10
)

// FormatError reports a defect in the content of a data file: anything that
// makes it not the well-formed file the loader expects. It is the one error
// type for such defects; callers detect it with errors.As.
type FormatError struct {
	File   string // the file's name or path
	Defect string // what is wrong, in words
}

// Error returns "FILE: DEFECT".
func (e *FormatError) Error() string { return e.File + ": " + e.Defect }

func formatErr(file, format string, args ...any) *FormatError {
	return &FormatError{File: file, Defect: fmt.Sprintf(format, args...)}
}

// IDX is a parsed IDX file of unsigned bytes: Data holds the product of Dims
// elements in row-major order.
type IDX struct {
	Dims []int
	Data []uint8
}

// errRecorder remembers the underlying reader's own failure so that a disk
// error is not misreported as a defect of the file.
type errRecorder struct {
	r   io.Reader
	err error
}

func (e *errRecorder) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// ReadIDX parses an IDX file of unsigned bytes from r, gunzipping it first if
// it starts with the gzip magic. name is used in error messages. Every defect
// of the content is a *FormatError; a failure of r itself is returned wrapped.
func ReadIDX(r io.Reader, name string) (*IDX, error) {
	src := &errRecorder{r: r}
	br := bufio.NewReader(src)
	idx, defect := readIDX(br, name)
	if src.err != nil {
		return nil, errors.Wrapf(src.err, "read %s", name)
	}
	if defect != nil {
		return nil, defect
	}
	return idx, nil
}

func readIDX(br *bufio.Reader, name string) (*IDX, *FormatError) {
	var r io.Reader = br
	lead, _ := br.Peek(2)
	if len(lead) == 0 {
		return nil, formatErr(name, "empty file")
	}
	gzipped := len(lead) == 2 && lead[0] == 0x1f && lead[1] == 0x8b
	if gzipped {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, formatErr(name, "not gzip: starts like gzip but the header is bad (%v)", err)
		}
		r = zr
	}
	// readErr turns a failed read into the defect it reveals.
	readErr := func(what string, got, want int, err error) *FormatError {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return formatErr(name, "truncated %s: got %d of %d bytes", what, got, want)
		}
		return formatErr(name, "corrupt gzip stream in %s: %v", what, err)
	}

	var head [4]byte
	if n, err := io.ReadFull(r, head[:]); err != nil {
		if n == 0 && gzipped && err == io.EOF {
			return nil, formatErr(name, "empty file (after gunzip)")
		}
		if n < 2 || (head[0] == 0 && head[1] == 0) {
			return nil, readErr("header", n, 4, err)
		}
	}
	if head[0] != 0 || head[1] != 0 {
		hint := ""
		if head[0] == '<' {
			hint = "; an HTML page?"
		}
		return nil, formatErr(name, "wrong magic 0x%02x%02x (not an IDX file%s)", head[0], head[1], hint)
	}
	if head[2] != idxUint8 {
		return nil, formatErr(name, "unsupported type code 0x%02x (only 0x08, unsigned byte, is supported)", head[2])
	}
	nd := int(head[3])
	if nd == 0 {
		return nil, formatErr(name, "zero dimensions")
	}
	if nd > maxIDXDims {
		return nil, formatErr(name, "too many dimensions: %d (at most %d)", nd, maxIDXDims)
	}

	raw := make([]byte, 4*nd)
	if n, err := io.ReadFull(r, raw); err != nil {
		return nil, readErr("dimensions", n, len(raw), err)
	}
	dims := make([]int, nd)
	total := int64(1)
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(raw[4*i:]))
		dims[i] = int(d)
		// Checking every factor and partial product keeps the product far
		// from overflow, even past a zero dimension.
		if total *= d; d > maxIDXElements || total > maxIDXElements || total > math.MaxInt {
			return nil, formatErr(name, "dimensions %s exceed the limit of %d elements", dimString(raw, nd), int64(maxIDXElements))
		}
	}

	data, got, err := readGrowing(r, int(total))
	if err != nil {
		return nil, readErr("data", got, int(total), err)
	}
	// One more read both detects trailing bytes and, for gzip, reaches the
	// end of the stream where the checksum is verified.
	var extra [1]byte
	switch n, err := io.ReadFull(r, extra[:]); {
	case n > 0:
		return nil, formatErr(name, "over-long data: trailing bytes after %d elements", total)
	case err != io.EOF:
		// Only gzip can fail here: a bad checksum or garbage after the stream.
		return nil, formatErr(name, "corrupt gzip stream after the data: %v", err)
	}
	return &IDX{Dims: dims, Data: data}, nil
}

func dimString(raw []byte, nd int) string {
	parts := make([]string, nd)
	for i := range parts {
		parts[i] = fmt.Sprint(binary.BigEndian.Uint32(raw[4*i:]))
	}
	return strings.Join(parts, "×")
}

// readGrowing reads exactly n bytes, allocating only as data arrives; the
// final doubling is capped at n so the result has no slack.
func readGrowing(r io.Reader, n int) ([]byte, int, error) {
	buf := make([]byte, min(n, firstChunk))
	have := 0
	for {
		m, err := io.ReadFull(r, buf[have:])
		have += m
		if err != nil {
			return nil, have, err
		}
		if have == n {
			return buf, have, nil
		}
		next := make([]byte, min(n, 2*len(buf)))
		copy(next, buf)
		buf = next
	}
}

// readIDXFile opens and parses path.
func readIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "open IDX file")
	}
	defer f.Close()
	return ReadIDX(f, path)
}

// ReadImages reads an IDX file of images with dimensions (N, height, width),
// row-major.
func ReadImages(path string) (n, height, width int, data []uint8, err error) {
	idx, err := readIDXFile(path)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	if err := checkImages(idx, path); err != nil {
		return 0, 0, 0, nil, err
	}
	return idx.Dims[0], idx.Dims[1], idx.Dims[2], idx.Data, nil
}

// ReadLabels reads an IDX file of labels with one dimension (N) and checks
// that every label is below classes.
func ReadLabels(path string, classes int) ([]uint8, error) {
	idx, err := readIDXFile(path)
	if err != nil {
		return nil, err
	}
	if err := checkLabels(idx, path, classes); err != nil {
		return nil, err
	}
	return idx.Data, nil
}

func checkImages(idx *IDX, name string) error {
	if len(idx.Dims) != 3 {
		return formatErr(name, "wrong dimensions for images: %v, want 3 (N, height, width)", idx.Dims)
	}
	for _, d := range idx.Dims {
		if d == 0 {
			return formatErr(name, "wrong dimensions for images: %v has a zero", idx.Dims)
		}
	}
	return nil
}

func checkLabels(idx *IDX, name string, classes int) error {
	if classes < 1 || classes > 256 {
		return errors.Errorf("%s: %d classes cannot be stored as byte labels", name, classes)
	}
	if len(idx.Dims) != 1 || idx.Dims[0] == 0 {
		return formatErr(name, "wrong dimensions for labels: %v, want 1 (N > 0)", idx.Dims)
	}
	for i, l := range idx.Data {
		if int(l) >= classes {
			return formatErr(name, "label out of range: label[%d] = %d, want < %d", i, l, classes)
		}
	}
	return nil
}
