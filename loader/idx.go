package loader

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gorgonia-zoo/zoo/internal/inputfile"
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
// The data is read only as it arrives, so a header that declares more than r
// holds costs no more memory than r's bytes; what a header may declare is
// capped at 2^31 elements.
func ReadIDX(r io.Reader, name string) (*IDX, error) {
	src := &errRecorder{r: r}
	idx, defect := readIDX(bufio.NewReader(src), name)
	if src.err != nil {
		return nil, errors.Wrapf(src.err, "read %s", name)
	}
	if defect != nil {
		return nil, defect
	}
	return idx, nil
}

func readIDX(br *bufio.Reader, name string) (*IDX, *FormatError) {
	r, h, defect := readIDXHeader(br, name)
	if defect != nil {
		return nil, defect
	}
	data, defect := readIDXData(r, h, name, false)
	if defect != nil {
		return nil, defect
	}
	return &IDX{Dims: h.dims, Data: data}, nil
}

// idxHeader is what the header of an IDX file declares.
type idxHeader struct {
	dims    []int
	size    int64 // bytes of data: the product of dims
	length  int64 // bytes of the header itself: 4, and 4 per dimension
	gzipped bool  // the file is gzipped; length and size count gunzipped bytes
}

// describe says what h declares, e.g. "60000×28×28 (47040000 bytes of data
// after a 16-byte header)".
func (h idxHeader) describe() string {
	parts := make([]string, len(h.dims))
	for i, d := range h.dims {
		parts[i] = strconv.Itoa(d)
	}
	return fmt.Sprintf("%s (%d bytes of data after a %d-byte header)", strings.Join(parts, "×"), h.size, h.length)
}

// readIDXHeader reads the header of an IDX file from br, gunzipping the file
// if it starts with the gzip magic, and returns the reader of the data that
// follows. The dimensions are checked (at most maxIDXDims, at most
// maxIDXElements elements) before anything is allocated for them.
func readIDXHeader(br *bufio.Reader, name string) (io.Reader, idxHeader, *FormatError) {
	var h idxHeader
	var r io.Reader = br
	lead, _ := br.Peek(2)
	if len(lead) == 0 {
		return nil, h, formatErr(name, "empty file")
	}
	h.gzipped = len(lead) == 2 && lead[0] == 0x1f && lead[1] == 0x8b
	if h.gzipped {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, h, formatErr(name, "not gzip: starts like gzip but the header is bad (%v)", err)
		}
		r = zr
	}

	var head [4]byte
	if n, err := io.ReadFull(r, head[:]); err != nil {
		if n == 0 && h.gzipped && err == io.EOF {
			return nil, h, formatErr(name, "empty file (after gunzip)")
		}
		if n < 2 || (head[0] == 0 && head[1] == 0) {
			return nil, h, readDefect(name, "header", n, 4, err)
		}
	}
	if head[0] != 0 || head[1] != 0 {
		hint := ""
		if head[0] == '<' {
			hint = "; an HTML page?"
		}
		return nil, h, formatErr(name, "wrong magic 0x%02x%02x (not an IDX file%s)", head[0], head[1], hint)
	}
	if head[2] != idxUint8 {
		return nil, h, formatErr(name, "unsupported type code 0x%02x (only 0x08, unsigned byte, is supported)", head[2])
	}
	nd := int(head[3])
	if nd == 0 {
		return nil, h, formatErr(name, "zero dimensions")
	}
	if nd > maxIDXDims {
		return nil, h, formatErr(name, "too many dimensions: %d (at most %d)", nd, maxIDXDims)
	}

	raw := make([]byte, 4*nd)
	if n, err := io.ReadFull(r, raw); err != nil {
		return nil, h, readDefect(name, "dimensions", n, len(raw), err)
	}
	h.dims = make([]int, nd)
	h.size = 1
	for i := range h.dims {
		d := int64(binary.BigEndian.Uint32(raw[4*i:]))
		h.dims[i] = int(d)
		// Checking every factor and partial product keeps the product far
		// from overflow, even past a zero dimension.
		if h.size *= d; d > maxIDXElements || h.size > maxIDXElements || h.size > math.MaxInt {
			return nil, h, formatErr(name, "dimensions %s exceed the limit of %d elements", dimString(raw, nd), int64(maxIDXElements))
		}
	}
	h.length = int64(4 + len(raw))
	return r, h, nil
}

// readIDXData reads the h.size bytes of data from r and checks that nothing
// follows them. exact says that r is known to hold that many bytes (a file
// whose size was checked): the buffer is then allocated at once; otherwise it
// grows as data arrives.
func readIDXData(r io.Reader, h idxHeader, name string, exact bool) ([]byte, *FormatError) {
	var (
		data []byte
		got  int
		err  error
	)
	if exact {
		data = make([]byte, h.size)
		got, err = io.ReadFull(r, data)
	} else {
		data, got, err = readGrowing(r, int(h.size))
	}
	if err != nil {
		return nil, readDefect(name, "data", got, int(h.size), err)
	}
	// One more read both detects trailing bytes and, for gzip, reaches the
	// end of the stream where the checksum is verified.
	var extra [1]byte
	switch n, err := io.ReadFull(r, extra[:]); {
	case n > 0:
		return nil, formatErr(name, "over-long data: trailing bytes after %d elements", h.size)
	case err != io.EOF:
		// Only gzip can fail here: a bad checksum or garbage after the stream.
		return nil, formatErr(name, "corrupt gzip stream after the data: %v", err)
	}
	return data, nil
}

// readDefect turns a failed read of what into the defect it reveals.
func readDefect(name, what string, got, want int, err error) *FormatError {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return formatErr(name, "truncated %s: got %d of %d bytes", what, got, want)
	}
	return formatErr(name, "corrupt gzip stream in %s: %v", what, err)
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

const (
	// maxDeflateRatio is the most deflate can expand its input: 1032:1, a
	// 258-byte match coded in two bits.
	maxDeflateRatio = 1032

	// deflateSlack is a margin over the ratio for tiny files; it is far
	// below any real dataset.
	deflateSlack = 4 << 10
)

// maxGunzipped is the most that a gzip file of size bytes can inflate to.
func maxGunzipped(size int64) int64 {
	if size > (math.MaxInt64-deflateSlack)/maxDeflateRatio {
		return math.MaxInt64
	}
	return size*maxDeflateRatio + deflateSlack
}

// checkIDXSize checks what header h declares against the size of its file
// before any data is read, so that a lying header costs nothing: an
// uncompressed file must be exactly the header and its data, and a gzipped
// one cannot inflate to more than deflate's maximum ratio allows.
func checkIDXSize(h idxHeader, fileSize int64, name string) *FormatError {
	total := h.length + h.size
	switch {
	case h.gzipped:
		if max := maxGunzipped(fileSize); total > max {
			return formatErr(name, "impossible size: the header declares %s, but a gzip file of %d bytes inflates to at most %d (deflate's ratio is at most %d:1)",
				h.describe(), fileSize, max, maxDeflateRatio)
		}
	case fileSize < total:
		return formatErr(name, "truncated data: the header declares %s, %d bytes in all, but the file holds %d", h.describe(), total, fileSize)
	case fileSize > total:
		return formatErr(name, "over-long data: the header declares %s, %d bytes in all, but the file holds %d", h.describe(), total, fileSize)
	}
	return nil
}

// idxFile is an open IDX file whose header has been read and checked against
// the file's size; its data is still to be read (by read).
type idxFile struct {
	path     string
	f        *os.File
	fileSize int64
	idxHeader
}

// openIDX reads the header of f, the IDX file at path of size bytes (as
// inputfile.Open returns them), and checks it with checkIDXSize. Defects are
// *FormatErrors; a failure to read f, ctx's cancellation included, is
// returned wrapped. The caller closes f.
func openIDX(ctx context.Context, f *os.File, size int64, path string) (*idxFile, error) {
	x := &idxFile{path: path, f: f, fileSize: size}
	_, _, h, err := x.header(ctx, nil)
	if err != nil {
		return nil, err
	}
	x.idxHeader = h
	return x, nil
}

// header reads and checks the header from the start of the file, whose raw
// bytes also go to tee if it is not nil, and returns the reader of the data
// after it and the recorder of the file's own failures.
func (x *idxFile) header(ctx context.Context, tee io.Writer) (io.Reader, *errRecorder, idxHeader, error) {
	if _, err := x.f.Seek(0, io.SeekStart); err != nil {
		return nil, nil, idxHeader{}, errors.Wrapf(err, "read %s", x.path)
	}
	r := inputfile.WithContext(ctx, x.f)
	if tee != nil {
		r = io.TeeReader(r, tee)
	}
	src := &errRecorder{r: r}
	data, h, defect := readIDXHeader(bufio.NewReader(src), x.path)
	if src.err != nil {
		return nil, nil, h, errors.Wrapf(src.err, "read %s", x.path)
	}
	if defect == nil {
		defect = checkIDXSize(h, x.fileSize, x.path)
	}
	if defect != nil {
		return nil, nil, h, defect
	}
	return data, src, h, nil
}

// read reads the file's data. It reads the file from its start again, so
// that tee, if not nil, receives all of the file's bytes in order, and
// checks that the header is still the one openIDX read.
func (x *idxFile) read(ctx context.Context, tee io.Writer) ([]byte, error) {
	r, src, h, err := x.header(ctx, tee)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(h.dims, x.dims) || h.gzipped != x.gzipped {
		return nil, formatErr(x.path, "changed while being read: the header declared %s, now %s", x.describe(), h.describe())
	}
	// An uncompressed file has just been checked to hold exactly the data.
	data, defect := readIDXData(r, h, x.path, !h.gzipped)
	if src.err != nil {
		return nil, errors.Wrapf(src.err, "read %s", x.path)
	}
	if defect != nil {
		return nil, defect
	}
	return data, nil
}

// readIDXFile opens path, a regular file, and parses it header first; ctx
// stops the reading.
func readIDXFile(ctx context.Context, path string, check func(dims []int) error) (*IDX, error) {
	f, size, err := inputfile.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "open IDX file")
	}
	defer f.Close()
	x, err := openIDX(ctx, f, size, path)
	if err != nil {
		return nil, err
	}
	if err := check(x.dims); err != nil {
		return nil, err
	}
	data, err := x.read(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &IDX{Dims: x.dims, Data: data}, nil
}

// ReadImages reads an IDX file of images with dimensions (N, height, width),
// row-major. path must be a regular file (see inputfile.Open); its header is
// checked, against the file's size too, before its data is read.
func ReadImages(path string) (n, height, width int, data []uint8, err error) {
	idx, err := readIDXFile(context.Background(), path, func(dims []int) error { return checkImages(dims, path) })
	if err != nil {
		return 0, 0, 0, nil, err
	}
	return idx.Dims[0], idx.Dims[1], idx.Dims[2], idx.Data, nil
}

// ReadLabels reads an IDX file of labels with one dimension (N) and checks
// that every label is below classes. path must be a regular file; its header
// is checked before its data is read.
func ReadLabels(path string, classes int) ([]uint8, error) {
	idx, err := readIDXFile(context.Background(), path, func(dims []int) error { return checkLabelDims(dims, path, classes) })
	if err != nil {
		return nil, err
	}
	if err := checkLabelRange(idx.Data, path, classes); err != nil {
		return nil, err
	}
	return idx.Data, nil
}

func checkImages(dims []int, name string) error {
	if len(dims) != 3 {
		return formatErr(name, "wrong dimensions for images: %v, want 3 (N, height, width)", dims)
	}
	for _, d := range dims {
		if d == 0 {
			return formatErr(name, "wrong dimensions for images: %v has a zero", dims)
		}
	}
	return nil
}

// checkLabelDims checks a labels file's dimensions: N > 0 labels, for
// classes that fit in a byte.
func checkLabelDims(dims []int, name string, classes int) error {
	if classes < 1 || classes > 256 {
		return errors.Errorf("%s: %d classes cannot be stored as byte labels", name, classes)
	}
	if len(dims) != 1 || dims[0] == 0 {
		return formatErr(name, "wrong dimensions for labels: %v, want 1 (N > 0)", dims)
	}
	return nil
}

// checkLabelRange checks that every label is below classes.
func checkLabelRange(labels []uint8, name string, classes int) error {
	for i, l := range labels {
		if int(l) >= classes {
			return formatErr(name, "label out of range: label[%d] = %d, want < %d", i, l, classes)
		}
	}
	return nil
}
