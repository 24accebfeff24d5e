package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/internal/inputfile"
)

// MaxHeaderBytes caps the declared JSON header length; larger headers are
// rejected before anything is allocated for them.
const MaxHeaderBytes = 100 << 20

// MaxStreamBytes caps the data buffer that Read accepts from a generic
// reader, whose size cannot be checked in advance. ReadFile is bounded by the
// file size instead.
const MaxStreamBytes int64 = 4 << 30

const metadataKey = "__metadata__"

// File is the decoded content of a safetensors file.
type File struct {
	// Metadata holds the "__metadata__" strings; it is never nil.
	Metadata map[string]string
	// Tensors are sorted by data offset, which is also their order in the
	// file's buffer.
	Tensors []Tensor
}

// Get returns the tensor with the given name.
func (f *File) Get(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// Read decodes a whole safetensors stream from r, which must end right
// after the data buffer. Defects are reported as *FormatError; I/O errors
// other than a premature end of input are returned wrapped.
func Read(r io.Reader) (*File, error) {
	f, err := read(r, -1)
	return f, err
}

// ReadFile decodes the safetensors file at path. The header and buffer
// sizes are checked against the file size before they are allocated; the
// file may hold at most MaxStreamBytes of data.
func ReadFile(path string) (*File, error) {
	return ReadFileMax(path, 8+MaxHeaderBytes+MaxStreamBytes)
}

// ReadFileMax is ReadFile for a file of at most max bytes, checked before
// anything is read. Only a regular file is opened: a FIFO or a device is
// refused (a *FormatError) without waiting for a writer.
func ReadFileMax(path string, max int64) (*File, error) {
	fh, size, err := open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if size > max {
		return nil, &FormatError{File: path, Defect: fmt.Sprintf("%d bytes, over the %d this reader takes", size, max)}
	}
	f, err := read(fh, size)
	if fe, ok := err.(*FormatError); ok {
		fe.File = path
	} else if err != nil {
		err = errors.Wrapf(err, "safetensors: %s", path)
	}
	return f, err
}

// ReadMetadata reads only the header of the safetensors file at path and
// returns its "__metadata__" strings (never nil): what the file says it
// holds, without reading the tensors. The header is checked as ReadFile
// checks it.
func ReadMetadata(path string) (map[string]string, error) {
	fh, size, err := open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	_, meta, _, _, err := readHeader(fh, size)
	if fe, ok := err.(*FormatError); ok {
		fe.File = path
	} else if err != nil {
		err = errors.Wrapf(err, "safetensors: %s", path)
	}
	return meta, err
}

// open opens a regular file; anything else is a *FormatError.
func open(path string) (*os.File, int64, error) {
	fh, size, err := inputfile.Open(path)
	var nr *inputfile.NotRegularError
	if errors.As(err, &nr) {
		return nil, 0, &FormatError{File: path, Defect: inputfile.Kind(nr.Mode) + ", not a regular file"}
	}
	if err != nil {
		return nil, 0, errors.Wrap(err, "safetensors: open")
	}
	return fh, size, nil
}

// readHeader reads the length prefix and the header from r and checks the
// tensors' layout; size is the total input size, or -1 if unknown. It
// returns the entries, the metadata, the header's length and the buffer's.
func readHeader(r io.Reader, size int64) (entries []entry, meta map[string]string, headerLen, total int64, err error) {
	var lenBuf [8]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		if isEOF(err) {
			return nil, nil, 0, 0, defectf("input shorter than the 8-byte header length")
		}
		return nil, nil, 0, 0, errors.Wrap(err, "safetensors: read header length")
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderBytes {
		return nil, nil, 0, 0, defectf("header length %d exceeds the cap of %d bytes", n, MaxHeaderBytes)
	}
	if size >= 0 && n > uint64(size-8) {
		return nil, nil, 0, 0, defectf("header length %d exceeds the %d bytes after the length prefix", n, size-8)
	}
	if n < 2 {
		return nil, nil, 0, 0, defectf("header length %d is too small for a JSON object", n)
	}
	header, err := readN(r, int64(n))
	if err != nil {
		return nil, nil, 0, 0, errors.Wrap(err, "safetensors: read header")
	}
	if int64(len(header)) < int64(n) {
		return nil, nil, 0, 0, defectf("truncated header: declared %d bytes, got %d", n, len(header))
	}
	if entries, meta, err = parseHeader(header); err != nil {
		return nil, nil, 0, 0, err
	}
	if total, err = layout(entries); err != nil {
		return nil, nil, 0, 0, err
	}
	return entries, meta, int64(n), total, nil
}

// read decodes from r; size is the total input size, or -1 if unknown.
func read(r io.Reader, size int64) (*File, error) {
	entries, meta, n, total, err := readHeader(r, size)
	if err != nil {
		return nil, err
	}
	var buf []byte
	if size >= 0 {
		have := size - 8 - n
		if total > have {
			return nil, defectf("data ends at byte %d but the buffer holds only %d bytes", total, have)
		}
		if total < have {
			return nil, defectf("%d trailing bytes after the last tensor (buffer must be fully indexed)", have-total)
		}
		buf = make([]byte, total)
		if _, err := io.ReadFull(r, buf); err != nil {
			if isEOF(err) {
				return nil, defectf("file shrank while reading the data buffer")
			}
			return nil, errors.Wrap(err, "safetensors: read data")
		}
	} else {
		if total > MaxStreamBytes {
			return nil, defectf("data buffer of %d bytes exceeds the stream cap of %d bytes", total, MaxStreamBytes)
		}
		// Grow with what actually arrives, so a lying header cannot make us
		// allocate gigabytes for a short stream.
		buf, err = readN(r, total)
		if err != nil {
			return nil, errors.Wrap(err, "safetensors: read data")
		}
		if int64(len(buf)) < total {
			return nil, defectf("truncated data: header implies %d bytes, got %d", total, len(buf))
		}
		var one [1]byte
		m, err := io.ReadFull(r, one[:])
		if m > 0 {
			return nil, defectf("trailing bytes after the last tensor (buffer must be fully indexed)")
		}
		if err != nil && !isEOF(err) {
			return nil, errors.Wrap(err, "safetensors: read past data")
		}
	}

	f := &File{Metadata: meta, Tensors: make([]Tensor, len(entries))}
	for i, e := range entries {
		f.Tensors[i] = Tensor{Name: e.name, DType: e.dtype, Shape: e.shape, Data: buf[e.begin:e.end:e.end]}
	}
	return f, nil
}

func isEOF(err error) bool {
	return err == io.EOF || err == io.ErrUnexpectedEOF
}

// readN reads up to n bytes, returning fewer only at end of input.
func readN(r io.Reader, n int64) ([]byte, error) {
	var b bytes.Buffer
	_, err := io.Copy(&b, io.LimitReader(r, n))
	return b.Bytes(), err
}

type entry struct {
	name       string
	dtype      DType
	shape      []int
	begin, end int64
}

// layout sorts entries by offset and checks that they tile [0, total)
// exactly, with lengths matching their shapes. It returns total.
func layout(entries []entry) (int64, error) {
	for _, e := range entries {
		want, err := byteLen(e.dtype, e.shape)
		if err != nil {
			err.(*FormatError).Defect = "tensor " + strconv.Quote(e.name) + ": " + err.(*FormatError).Defect
			return 0, err
		}
		if e.begin > e.end {
			return 0, defectf("tensor %q: data_offsets begin %d > end %d", e.name, e.begin, e.end)
		}
		if e.end-e.begin != want {
			return 0, defectf("tensor %q: data_offsets span %d bytes, %s%v needs %d",
				e.name, e.end-e.begin, e.dtype, e.shape, want)
		}
	}
	// Name breaks ties between empty tensors so the order is deterministic.
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if a.begin != b.begin {
			return a.begin < b.begin
		}
		if a.end != b.end {
			return a.end < b.end
		}
		return a.name < b.name
	})
	var pos int64
	for i, e := range entries {
		if e.begin < pos {
			return 0, defectf("tensor %q: data [%d, %d) overlaps tensor %q", e.name, e.begin, e.end, entries[i-1].name)
		}
		if e.begin > pos {
			return 0, defectf("tensor %q: hole in the buffer at [%d, %d)", e.name, pos, e.begin)
		}
		pos = e.end
	}
	return pos, nil
}

// headerParser walks the header as a token stream: encoding/json would
// collapse duplicate keys and accept odd shapes that we must reject.
type headerParser struct {
	dec *json.Decoder
}

func parseHeader(h []byte) ([]entry, map[string]string, error) {
	if !utf8.Valid(h) {
		return nil, nil, defectf("header is not valid UTF-8")
	}
	if h[0] != '{' {
		return nil, nil, defectf("header does not start with '{'")
	}
	p := headerParser{dec: json.NewDecoder(bytes.NewReader(h))}
	p.dec.UseNumber()
	if err := p.delim('{', "header"); err != nil {
		return nil, nil, err
	}
	var entries []entry
	meta := map[string]string{}
	seen := map[string]bool{}
	sawMeta := false
	for p.dec.More() {
		key, err := p.key("header")
		if err != nil {
			return nil, nil, err
		}
		if key == metadataKey {
			if sawMeta {
				return nil, nil, defectf("duplicate %q key", metadataKey)
			}
			sawMeta = true
			if meta, err = p.metadata(); err != nil {
				return nil, nil, err
			}
			continue
		}
		if seen[key] {
			return nil, nil, defectf("duplicate tensor name %q", key)
		}
		seen[key] = true
		e, err := p.tensor(key)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if err := p.delim('}', "header"); err != nil {
		return nil, nil, err
	}
	// Only whitespace padding may follow the object.
	if tok, err := p.dec.Token(); err != io.EOF {
		if err != nil {
			return nil, nil, defectf("invalid JSON after the header object: %v", err)
		}
		return nil, nil, defectf("unexpected %v after the header object", tok)
	}
	return entries, meta, nil
}

func (p *headerParser) token(what string) (json.Token, error) {
	tok, err := p.dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, defectf("header JSON ends inside %s", what)
		}
		return nil, defectf("header is not valid JSON (in %s): %v", what, err)
	}
	return tok, nil
}

func (p *headerParser) delim(want json.Delim, what string) error {
	tok, err := p.token(what)
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		if want == '{' {
			return defectf("%s is not a JSON object (got %s)", what, describe(tok))
		}
		return defectf("%s: expected %q, got %s", what, string(want), describe(tok))
	}
	return nil
}

func (p *headerParser) key(what string) (string, error) {
	tok, err := p.token(what)
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok {
		return "", defectf("%s: expected a key, got %s", what, describe(tok))
	}
	return k, nil
}

func (p *headerParser) metadata() (map[string]string, error) {
	what := strconv.Quote(metadataKey)
	if err := p.delim('{', what); err != nil {
		return nil, err
	}
	m := map[string]string{}
	for p.dec.More() {
		k, err := p.key(what)
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			return nil, defectf("%s: duplicate key %q", what, k)
		}
		tok, err := p.token(what)
		if err != nil {
			return nil, err
		}
		v, ok := tok.(string)
		if !ok {
			return nil, defectf("%s: value of %q is %s, not a string", what, k, describe(tok))
		}
		m[k] = v
	}
	return m, p.delim('}', what)
}

func (p *headerParser) tensor(name string) (entry, error) {
	what := "tensor " + strconv.Quote(name)
	e := entry{name: name}
	if err := p.delim('{', what); err != nil {
		return e, err
	}
	var haveDType, haveShape, haveOffsets bool
	for p.dec.More() {
		k, err := p.key(what)
		if err != nil {
			return e, err
		}
		switch k {
		case "dtype":
			if haveDType {
				return e, defectf("%s: duplicate key \"dtype\"", what)
			}
			haveDType = true
			tok, err := p.token(what)
			if err != nil {
				return e, err
			}
			s, ok := tok.(string)
			if !ok {
				return e, defectf("%s: dtype is %s, not a string", what, describe(tok))
			}
			e.dtype = DType(s)
			if e.dtype.Size() == 0 {
				return e, defectf("%s: unsupported dtype %q (want F32, F64 or I64)", what, s)
			}
		case "shape":
			if haveShape {
				return e, defectf("%s: duplicate key \"shape\"", what)
			}
			haveShape = true
			if e.shape, err = p.ints(what+" shape", -1); err != nil {
				return e, err
			}
		case "data_offsets":
			if haveOffsets {
				return e, defectf("%s: duplicate key \"data_offsets\"", what)
			}
			haveOffsets = true
			offs, err := p.ints(what+" data_offsets", 2)
			if err != nil {
				return e, err
			}
			e.begin, e.end = int64(offs[0]), int64(offs[1])
		default:
			return e, defectf("%s: unknown field %q", what, k)
		}
	}
	if err := p.delim('}', what); err != nil {
		return e, err
	}
	switch {
	case !haveDType:
		return e, defectf("%s: missing dtype", what)
	case !haveShape:
		return e, defectf("%s: missing shape", what)
	case !haveOffsets:
		return e, defectf("%s: missing data_offsets", what)
	}
	return e, nil
}

// ints reads an array of non-negative integers; n >= 0 demands exactly n.
func (p *headerParser) ints(what string, n int) ([]int, error) {
	if err := p.delim('[', what); err != nil {
		return nil, err
	}
	v := []int{}
	for p.dec.More() {
		tok, err := p.token(what)
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, defectf("%s: element %s is not an integer", what, describe(tok))
		}
		// ParseInt rejects fractions and exponents, which no writer emits.
		x, err := strconv.ParseInt(string(num), 10, strconv.IntSize)
		if err != nil {
			return nil, defectf("%s: %s is not an integer that fits in %d bits", what, num, strconv.IntSize)
		}
		if x < 0 {
			return nil, defectf("%s: negative value %d", what, x)
		}
		v = append(v, int(x))
		if n >= 0 && len(v) > n {
			return nil, defectf("%s: want exactly %d integers, got more", what, n)
		}
	}
	if n >= 0 && len(v) != n {
		return nil, defectf("%s: want exactly %d integers, got %d", what, n, len(v))
	}
	return v, p.delim(']', what)
}

func describe(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return strconv.Quote(string(t))
	case string:
		return "string " + strconv.Quote(t)
	case json.Number:
		return "number " + string(t)
	case bool:
		return "boolean " + strconv.FormatBool(t)
	case nil:
		return "null"
	}
	return "unexpected token"
}
