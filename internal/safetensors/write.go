package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// Write encodes tensors, in the given order, and metadata (omitted when
// empty) as a safetensors stream. The header is padded with spaces to a
// multiple of 8 bytes so that the buffer is 8-byte aligned. It rejects, as a
// *FormatError and before writing anything, duplicate or reserved names,
// invalid UTF-8, unsupported dtypes, bad shapes and data whose length is not
// product(shape)*dtype size.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, err := encodeHeader(tensors, metadata)
	if err != nil {
		return err
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(header)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return errors.Wrap(err, "safetensors: write header length")
	}
	if _, err := w.Write(header); err != nil {
		return errors.Wrap(err, "safetensors: write header")
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return errors.Wrapf(err, "safetensors: write tensor %q", t.Name)
		}
	}
	return nil
}

// WriteFile writes a safetensors file atomically: it writes a temporary file
// in the same directory, syncs it and renames it over path, so readers never
// see a partial file.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) (err error) {
	// Validate first so that bad input leaves no temporary file behind.
	if _, err := encodeHeader(tensors, metadata); err != nil {
		err.(*FormatError).File = path
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return errors.Wrap(err, "safetensors: create temporary file")
	}
	writing.add(tmp.Name())
	defer writing.remove(tmp.Name())
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err = Write(bw, tensors, metadata); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return errors.Wrap(err, "safetensors: write")
	}
	// CreateTemp makes the file 0600; a saved model should be as readable as
	// any file the user creates.
	if err = tmp.Chmod(0o644); err != nil {
		return errors.Wrap(err, "safetensors: chmod")
	}
	if err = tmp.Sync(); err != nil {
		return errors.Wrap(err, "safetensors: sync")
	}
	if err = tmp.Close(); err != nil {
		return errors.Wrap(err, "safetensors: close")
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return errors.Wrap(err, "safetensors: rename")
	}
	// Sync the directory so the rename itself survives a crash; failure here
	// does not undo a complete write, so it is not reported.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// writing is the temporary files WriteFile is writing now.
var writing = temporaries{names: map[string]bool{}}

type temporaries struct {
	mu    sync.Mutex
	names map[string]bool
}

func (t *temporaries) add(name string) {
	t.mu.Lock()
	t.names[name] = true
	t.mu.Unlock()
}

func (t *temporaries) remove(name string) {
	t.mu.Lock()
	delete(t.names, name)
	t.mu.Unlock()
}

// RemoveTemporaries removes the temporary files that WriteFile calls in
// progress are writing, for a process about to exit at once (a second
// Ctrl-C) so that it leaves none behind. Those calls then fail.
func RemoveTemporaries() {
	writing.mu.Lock()
	defer writing.mu.Unlock()
	for name := range writing.names {
		os.Remove(name)
	}
}

// temporaryName matches WriteFile's temporary files: ".NAME.safetensors.tmp-"
// and CreateTemp's random digits.
var temporaryName = regexp.MustCompile(`^\..+\.safetensors\.tmp-[0-9]+$`)

// RemoveStaleTemporaries removes from dir the temporary files of WriteFile
// (".NAME.safetensors.tmp-DIGITS") last modified over olderThan ago: what
// a process killed while saving (kill -9, a power cut) left behind. A
// write in progress, by this process or another sharing the folder, is
// far younger than any sensible olderThan. Other files are never touched.
// It returns the paths it removed.
func RemoveStaleTemporaries(dir string, olderThan time.Duration) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, errors.Wrap(err, "safetensors: looking for stale temporary files")
	}
	var removed []string
	for _, e := range entries {
		if !e.Type().IsRegular() || !temporaryName.MatchString(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < olderThan {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if err := os.Remove(path); err == nil {
			removed = append(removed, path)
		}
	}
	return removed, nil
}

// encodeHeader validates the tensors and builds the padded JSON header. It
// is written by hand because the order of tensors must be kept, which a Go
// map cannot do.
func encodeHeader(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k, v := range metadata {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, defectf("metadata %q: not valid UTF-8", k)
			}
			keys = append(keys, k)
		}
		// Sorted so that output is reproducible.
		sort.Strings(keys)
		b.WriteString(quote(metadataKey))
		b.WriteString(":{")
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quote(k))
			b.WriteByte(':')
			b.WriteString(quote(metadata[k]))
		}
		b.WriteByte('}')
		first = false
	}
	seen := make(map[string]bool, len(tensors))
	var offset int64
	for _, t := range tensors {
		switch {
		case t.Name == metadataKey:
			return nil, defectf("tensor name %q is reserved", metadataKey)
		case !utf8.ValidString(t.Name):
			return nil, defectf("tensor name %q is not valid UTF-8", t.Name)
		case seen[t.Name]:
			return nil, defectf("duplicate tensor name %q", t.Name)
		}
		seen[t.Name] = true
		n, err := byteLen(t.DType, t.Shape)
		if err != nil {
			fe := err.(*FormatError)
			fe.Defect = "tensor " + strconv.Quote(t.Name) + ": " + fe.Defect
			return nil, fe
		}
		if int64(len(t.Data)) != n {
			return nil, defectf("tensor %q: %d data bytes, %s%v needs %d", t.Name, len(t.Data), t.DType, t.Shape, n)
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(quote(t.Name))
		b.WriteString(`:{"dtype":`)
		b.WriteString(quote(string(t.DType)))
		b.WriteString(`,"shape":[`)
		for i, d := range t.Shape {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(d))
		}
		b.WriteString(`],"data_offsets":[`)
		b.WriteString(strconv.FormatInt(offset, 10))
		b.WriteByte(',')
		offset += n
		b.WriteString(strconv.FormatInt(offset, 10))
		b.WriteString("]}")
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	if b.Len() > MaxHeaderBytes {
		return nil, defectf("header of %d bytes exceeds the cap of %d bytes", b.Len(), MaxHeaderBytes)
	}
	return b.Bytes(), nil
}

// quote encodes s as a JSON string without HTML escaping, which only
// matters inside HTML and would make names like "a<b" needlessly opaque.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // cannot fail for a string
	return string(bytes.TrimSuffix(b.Bytes(), []byte{'\n'}))
}
