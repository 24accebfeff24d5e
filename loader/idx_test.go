package loader

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

const htmlPage = "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n"

// idxCases are both the table of TestReadIDX and FuzzReadIDX's seed corpus.
func idxCases(t testing.TB) []struct {
	name     string
	in       []byte
	wantDims []int  // nil: want a *FormatError
	defect   string // substring of the defect
} {
	valid := idxBytes([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	gz := gzipBytes(t, valid)
	badCRC := bytes.Clone(gz)
	badCRC[len(badCRC)-8] ^= 0xff // first byte of the CRC-32 trailer
	return []struct {
		name     string
		in       []byte
		wantDims []int
		defect   string
	}{
		{"raw", valid, []int{2, 3}, ""},
		{"gzip", gz, []int{2, 3}, ""},
		{"one dim", idxBytes([]int{4}, []byte{9, 8, 7, 6}), []int{4}, ""},
		{"zero count", idxBytes([]int{0, 28, 28}, nil), []int{0, 28, 28}, ""},
		{"empty", nil, nil, "empty file"},
		{"empty gzip", gzipBytes(t, nil), nil, "empty file (after gunzip)"},
		{"html", []byte(htmlPage), nil, "wrong magic 0x3c21 (not an IDX file; an HTML page?)"},
		{"gzipped html", gzipBytes(t, []byte(htmlPage)), nil, "an HTML page?"},
		{"wrong magic", []byte{1, 2, 8, 1, 0, 0, 0, 1, 5}, nil, "wrong magic 0x0102 (not an IDX file)"},
		{"bad type code", append([]byte{0, 0, 0x0d, 1, 0, 0, 0, 1}, 0, 0, 0, 0), nil, "unsupported type code 0x0d"},
		{"zero dims", []byte{0, 0, 8, 0}, nil, "zero dimensions"},
		{"too many dims", append([]byte{0, 0, 8, 9}, make([]byte, 36)...), nil, "too many dimensions"},
		{"short header", []byte{0, 0, 8}, nil, "truncated header"},
		{"truncated dims", []byte{0, 0, 8, 3, 0, 0, 0, 1}, nil, "truncated dimensions"},
		{"truncated data", valid[:len(valid)-2], nil, "truncated data: got 4 of 6 bytes"},
		{"too long", append(bytes.Clone(valid), 0), nil, "over-long data"},
		{"lying count", idxBytes([]int{0x7fffffff}, []byte{1, 2, 3}), nil, "truncated data"},
		{"huge count", idxBytes([]int{1 << 16, 1 << 16, 2}, nil), nil, "exceed the limit"},
		{"not gzip", []byte{0x1f, 0x8b, 'n', 'o', 't', ' ', 'g', 'z'}, nil, "not gzip"},
		{"gzip cut off", gz[:len(gz)/2], nil, "truncated"},
		{"gzip bad crc", badCRC, nil, "corrupt gzip"},
		{"gzip trailing garbage", append(bytes.Clone(gz), "garbage"...), nil, "corrupt gzip"},
		{"gzipped too long", gzipBytes(t, append(bytes.Clone(valid), 0)), nil, "over-long data"},
	}
}

func TestReadIDX(t *testing.T) {
	for _, tc := range idxCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := ReadIDX(bytes.NewReader(tc.in), "f.idx")
			if tc.wantDims == nil {
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("err = %v, want a *FormatError", err)
				}
				if fe.File != "f.idx" || !strings.Contains(fe.Defect, tc.defect) {
					t.Errorf("err = %q, want file f.idx and defect containing %q", err, tc.defect)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(idx.Dims, tc.wantDims) || len(idx.Data) != product(idx.Dims) {
				t.Errorf("dims %v with %d bytes, want %v", idx.Dims, len(idx.Data), tc.wantDims)
			}
		})
	}
}

func TestFormatErrorMessage(t *testing.T) {
	_, err := ReadIDX(strings.NewReader(htmlPage), "train-images-idx3-ubyte.gz")
	want := "train-images-idx3-ubyte.gz: wrong magic 0x3c21 (not an IDX file; an HTML page?)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// A failing disk is not a defect of the file: it must not be a FormatError.
func TestReadIDXReaderError(t *testing.T) {
	errDisk := errors.New("disk on fire")
	r := io.MultiReader(bytes.NewReader(idxBytes([]int{100}, []byte{1, 2})), iotest.ErrReader(errDisk))
	_, err := ReadIDX(r, "f.idx")
	var fe *FormatError
	if !errors.Is(err, errDisk) || errors.As(err, &fe) {
		t.Errorf("err = %v, want the reader's error, not a FormatError", err)
	}
}

// A header announcing 2^31-1 elements must not make the reader allocate them.
func TestReadIDXLyingHeaderAllocatesLittle(t *testing.T) {
	in := idxBytes([]int{0x7fffffff}, bytes.Repeat([]byte{1}, 1000))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := ReadIDX(bytes.NewReader(in), "lie"); err == nil {
		t.Fatal("no error for a lying header")
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("allocated %d bytes for a 1 kB file", got)
	}
}

func TestReadImagesLabels(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	images := write("images.gz", gzipBytes(t, idxBytes([]int{2, 2, 3}, tinyImages(1))))
	labels := write("labels", idxBytes([]int{3}, []byte{0, 9, 3}))
	bigLabel := write("biglabel", idxBytes([]int{3}, []byte{0, 12, 3}))
	noImages := write("noimages", idxBytes([]int{0, 2, 3}, nil))
	missing := filepath.Join(dir, "missing")

	tests := []struct {
		name   string
		read   func() error
		defect string // "" for success
		notExi bool
	}{
		{"images", func() error {
			n, h, w, data, err := ReadImages(images)
			if err == nil && (n != 2 || h != 2 || w != 3 || len(data) != 12) {
				return errors.New("wrong shape")
			}
			return err
		}, "", false},
		{"labels", func() error {
			l, err := ReadLabels(labels, 10)
			if err == nil && !slices.Equal(l, []uint8{0, 9, 3}) {
				return errors.New("wrong labels")
			}
			return err
		}, "", false},
		{"labels as images", func() error { _, _, _, _, err := ReadImages(labels); return err }, "wrong dimensions for images", false},
		{"images as labels", func() error { _, err := ReadLabels(images, 10); return err }, "wrong dimensions for labels", false},
		{"no images", func() error { _, _, _, _, err := ReadImages(noImages); return err }, "has a zero", false},
		{"label out of range", func() error { _, err := ReadLabels(bigLabel, 10); return err }, "label out of range: label[1] = 12, want < 10", false},
		{"missing", func() error { _, err := ReadLabels(missing, 10); return err }, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.read()
			var fe *FormatError
			switch {
			case tc.notExi:
				if !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("err = %v, want not-exist", err)
				}
			case tc.defect == "":
				if err != nil {
					t.Error(err)
				}
			case !errors.As(err, &fe) || !strings.Contains(fe.Defect, tc.defect):
				t.Errorf("err = %v, want FormatError with %q", err, tc.defect)
			}
		})
	}
}

func product(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}

func FuzzReadIDX(f *testing.F) {
	for _, tc := range idxCases(f) {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		idx, err := ReadIDX(bytes.NewReader(in), "fuzz")
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FormatError", err, err)
			}
			return
		}
		if len(idx.Dims) == 0 || len(idx.Data) != product(idx.Dims) {
			t.Fatalf("dims %v with %d bytes", idx.Dims, len(idx.Data))
		}
	})
}

// What a header declares is held against its file's size before any data is
// read.
func TestCheckIDXSize(t *testing.T) {
	raw := idxHeader{dims: []int{2, 3}, size: 6, length: 12}
	gz := idxHeader{dims: []int{1000, 1000}, size: 1000000, length: 12, gzipped: true}
	tests := []struct {
		name     string
		h        idxHeader
		fileSize int64
		defect   string // "" if accepted
	}{
		{"raw, exact", raw, 18, ""},
		{"raw, short", raw, 17, "truncated data: the header declares 2×3 (6 bytes of data after a 12-byte header), 18 bytes in all, but the file holds 17"},
		{"raw, long", raw, 100 << 30, "over-long data: the header declares 2×3 (6 bytes of data after a 12-byte header), 18 bytes in all, but the file holds 107374182400"},
		{"gzip, at the ratio", gz, (1000012 - deflateSlack + maxDeflateRatio - 1) / maxDeflateRatio, ""},
		{"gzip, over the ratio", gz, 965, "impossible size: the header declares 1000×1000 (1000000 bytes of data after a 12-byte header), but a gzip file of 965 bytes inflates to at most 999976 (deflate's ratio is at most 1032:1)"},
		{"gzip, huge file", gz, math.MaxInt64, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkIDXSize(tc.h, tc.fileSize, "f")
			switch {
			case tc.defect == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.defect != "" && (err == nil || err.Defect != tc.defect):
				t.Errorf("err = %v, want %q", err, tc.defect)
			}
		})
	}
}

// Deflate's real output stays within maxGunzipped, even for the most
// compressible input.
func TestMaxGunzipped(t *testing.T) {
	for _, n := range []int{0, 1, 1000, 1 << 20, 16 << 20} {
		for _, level := range []int{gzip.BestSpeed, gzip.DefaultCompression, gzip.BestCompression, gzip.HuffmanOnly} {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, level)
			zw.Write(make([]byte, n))
			zw.Close()
			if max := maxGunzipped(int64(buf.Len())); int64(n) > max {
				t.Errorf("%d zeros at level %d: %d bytes of gzip, bound %d", n, level, buf.Len(), max)
			}
		}
	}
}

// The header reader never panics, returns only *FormatErrors, and accepts
// only dimensions within the limits, whose size it states exactly; what
// checkIDXSize accepts never exceeds what the file can hold.
func FuzzReadIDXHeader(f *testing.F) {
	for _, tc := range idxCases(f) {
		f.Add(tc.in)
	}
	f.Add(idxHead(60000, 28, 28))
	f.Add(gzipBytes(f, idxHead(60000, 28, 28)))
	f.Fuzz(func(t *testing.T, in []byte) {
		_, h, defect := readIDXHeader(bufio.NewReader(bytes.NewReader(in)), "fuzz")
		if defect != nil {
			if defect.File != "fuzz" || defect.Defect == "" {
				t.Fatalf("defect %+v", defect)
			}
			return
		}
		if nd := len(h.dims); nd < 1 || nd > maxIDXDims || h.length != int64(4+4*nd) {
			t.Fatalf("%d dims, header of %d bytes", nd, h.length)
		}
		size := int64(1)
		for _, d := range h.dims {
			size *= int64(d)
		}
		if size != h.size || h.size < 0 || h.size > maxIDXElements {
			t.Fatalf("dims %v declare %d bytes, said %d", h.dims, size, h.size)
		}
		if h.gzipped != (len(in) >= 2 && in[0] == 0x1f && in[1] == 0x8b) {
			t.Fatalf("gzipped %v", h.gzipped)
		}
		if checkIDXSize(h, int64(len(in)), "fuzz") != nil {
			return
		}
		total := h.length + h.size
		if (!h.gzipped && total != int64(len(in))) || (h.gzipped && total > maxGunzipped(int64(len(in)))) {
			t.Fatalf("accepted %d bytes declared in a file of %d (gzipped %v)", total, len(in), h.gzipped)
		}
		// An accepted uncompressed file is exactly its header and data.
		if !h.gzipped {
			idx, err := ReadIDX(bytes.NewReader(in), "fuzz")
			if err != nil || int64(len(idx.Data)) != h.size {
				t.Fatalf("accepted from the header, then %v", err)
			}
		}
	})
}

// The data is read after the header, from the same open file: a file
// rewritten in between is caught, not read as what its old header said.
func TestIDXFileChangedWhileBeingRead(t *testing.T) {
	path := writeTemp(t, idxBytes([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	x, err := openIDX(context.Background(), f, st.Size(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, idxBytes([]int{3, 2}, []byte{1, 2, 3, 4, 5, 6}), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = x.read(context.Background(), nil)
	wantDefect("f", "changed while being read: the header declared 2×3 (6 bytes of data after a 12-byte header), now 3×2")(t, err)
}
