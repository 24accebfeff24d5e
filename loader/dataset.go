package loader

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/pkg/errors"
)

// Dataset is one split of a dataset held in memory: Images holds N samples of
// Channels×Height×Width bytes, row-major, and Labels one class per sample.
// Pixels stay uint8 so MNIST costs 47 MB rather than 188 MB as float32.
//
// Name is the dataset's catalog name ("mnist", "cifar10", ...) or, for a
// folder of one's own, the name LoadFolder gives it: the name results are
// recorded under. Part is "train" or "test".
type Dataset struct {
	Name                                string
	Part                                string
	Images                              []uint8
	Labels                              []uint8
	N, Channels, Height, Width, Classes int
	ClassNames                          []string
}

// SampleSize returns the number of bytes of one sample: Channels×Height×Width.
func (d *Dataset) SampleSize() int { return d.Channels * d.Height * d.Width }

// Split is a dataset's training and test parts.
type Split struct {
	Train, Test *Dataset
}

// ChecksumError reports a file whose size or MD5 differs from the catalog's:
// it is corrupt or not the expected file. Want and Got read like
// "9912422 bytes" or "md5 f68b3c2dcbeaaa9fbdd348bbdeb94873".
type ChecksumError struct {
	File      string
	Want, Got string
}

// Error says which file is wrong and how.
func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%s: %s, want %s: the file is corrupt or not the expected one", e.File, e.Got, e.Want)
}

// readVerified reads dir/f.Name after checking its size and MD5. The size is
// checked first so the read is bounded by the catalog, not by the file. A
// File with Size 0 is checked by its MD5 alone.
func readVerified(dir string, f File) ([]byte, error) {
	path := filepath.Join(dir, f.Name)
	if f.MD5 == "" {
		return nil, errors.Errorf("%s: the catalog has no size or md5 to verify it against", path)
	}
	b, err := readSized(path, f.Size)
	if err != nil {
		return nil, err
	}
	if sum := md5.Sum(b); hex.EncodeToString(sum[:]) != f.MD5 {
		return nil, &ChecksumError{File: path, Want: "md5 " + f.MD5, Got: "md5 " + hex.EncodeToString(sum[:])}
	}
	return b, nil
}

// readSized reads path whole after checking that it has size bytes (any size
// if size is 0).
func readSized(path string, size int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "open data file")
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, errors.Wrap(err, "stat data file")
	}
	if size > 0 && st.Size() != size {
		return nil, &ChecksumError{File: path, Want: fmt.Sprintf("%d bytes", size), Got: fmt.Sprintf("%d bytes", st.Size())}
	}
	if !st.Mode().IsRegular() {
		return nil, errors.Errorf("%s: not a regular file", path)
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(fh, b); err != nil {
		return nil, errors.Wrapf(err, "read %s", path)
	}
	return b, nil
}

// verifyFile checks dir/f.Name's size and MD5 without parsing it or holding
// it in memory.
func verifyFile(dir string, f File) error {
	path := filepath.Join(dir, f.Name)
	if f.MD5 == "" {
		return errors.Errorf("%s: the catalog has no size or md5 to verify it against", path)
	}
	fh, err := os.Open(path)
	if err != nil {
		return errors.Wrap(err, "open data file")
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return errors.Wrap(err, "stat data file")
	}
	if f.Size > 0 && st.Size() != f.Size {
		return &ChecksumError{File: path, Want: fmt.Sprintf("%d bytes", f.Size), Got: fmt.Sprintf("%d bytes", st.Size())}
	}
	h := md5.New()
	if _, err := io.Copy(h, fh); err != nil {
		return errors.Wrapf(err, "read %s", path)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.MD5 {
		return &ChecksumError{File: path, Want: "md5 " + f.MD5, Got: "md5 " + got}
	}
	return nil
}

// vouched says that f is a data file extracted from e's archive with no MD5
// of its own: the archive's MD5 vouches for it.
func vouched(e Entry, f File) bool { return f.MD5 == "" && e.hasArchive() }

// readData reads data file f of entry e: verified against the catalog's size
// and MD5, or, for a file extracted from the entry's archive without an MD5
// of its own, against its size when the catalog knows it.
func readData(dir string, f File, e Entry) ([]byte, error) {
	if vouched(e, f) {
		return readSized(filepath.Join(dir, f.Name), f.Size)
	}
	return readVerified(dir, f)
}

// checkDataFile is readData without reading what need not be read.
func checkDataFile(dir string, f File, e Entry) error {
	if !vouched(e, f) {
		return verifyFile(dir, f)
	}
	path := filepath.Join(dir, f.Name)
	st, err := os.Stat(path)
	if err != nil {
		return errors.Wrap(err, "open data file")
	}
	if f.Size > 0 && st.Size() != f.Size {
		return &ChecksumError{File: path, Want: fmt.Sprintf("%d bytes", f.Size), Got: fmt.Sprintf("%d bytes", st.Size())}
	}
	return nil
}

// prepareDir extracts e's data files from its archive in dir when any of
// them is missing there. It reports whether it extracted.
func prepareDir(dir string, e Entry) (extracted bool, err error) {
	if !e.hasArchive() {
		return false, nil
	}
	for _, f := range e.Files() {
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
			err := extractArchive(dir, e)
			if errors.Is(err, fs.ErrNotExist) {
				err = errors.Wrapf(err, "%s missing and nothing to extract it from", f.Name)
			}
			return true, err
		}
	}
	return false, nil
}

// extractArchive verifies e's archive in dir and extracts e's data files
// from it into dir.
func extractArchive(dir string, e Entry) error {
	if err := verifyFile(dir, e.Archive.File); err != nil {
		return err
	}
	want := map[string]string{}
	for _, f := range e.Files() {
		want[path.Join(e.Archive.Folder, f.Name)] = f.Name
	}
	return Extract(filepath.Join(dir, e.Archive.Name), dir, want, e.Archive.MaxMember)
}

// LoadDir reads entry e's data files from dir, verifying each file's size
// and MD5 (a mismatch is a *ChecksumError) and then its content (a defect is
// a *FormatError): dimensions as the entry says, as many labels as images,
// every label below e.Classes.
//
// For an entry with an archive, data files missing from dir are first
// extracted from the archive in dir, after the archive's size and MD5 are
// checked; data files that turn out damaged are extracted again once.
func LoadDir(dir string, e Entry) (*Split, error) {
	if err := e.validate(); err != nil {
		return nil, err
	}
	extracted, err := prepareDir(dir, e)
	if err != nil {
		return nil, err
	}
	s, err := loadFiles(dir, e)
	var (
		fe *FormatError
		ce *ChecksumError
	)
	if err != nil && !extracted && e.hasArchive() && (errors.As(err, &fe) || errors.As(err, &ce)) {
		// A damaged copy beside a good archive: extract again, once.
		if _, statErr := os.Stat(filepath.Join(dir, e.Archive.Name)); statErr == nil && extractArchive(dir, e) == nil {
			s, err = loadFiles(dir, e)
		}
	}
	return s, err
}

// validate checks what the loader needs of an entry.
func (e Entry) validate() error {
	switch {
	case e.Channels < 1 || e.Height < 1 || e.Width < 1:
		return errors.Errorf("%s: invalid sample shape %d×%d×%d", e.Name, e.Channels, e.Height, e.Width)
	case e.Classes < 1 || e.Classes > 256:
		return errors.Errorf("%s: %d classes cannot be stored as byte labels", e.Name, e.Classes)
	case e.Format != FormatIDX && e.Format != FormatCIFAR:
		return errors.Errorf("%s: %v is not supported", e.Name, e.Format)
	case e.Format == FormatCIFAR && (len(e.TrainBatches) == 0 || len(e.TestBatches) == 0):
		return errors.Errorf("%s: no train or test batches in the catalog", e.Name)
	}
	if e.hasArchive() {
		for _, f := range e.Files() {
			if !isBaseName(f.Name) {
				return errors.Errorf("%s: data file name %q is not a plain file name", e.Name, f.Name)
			}
		}
	}
	return nil
}

func loadFiles(dir string, e Entry) (*Split, error) {
	var train, test *Dataset
	var err error
	if e.Format == FormatCIFAR {
		if train, err = loadCIFARPart(dir, e, "train", e.TrainBatches); err != nil {
			return nil, err
		}
		if test, err = loadCIFARPart(dir, e, "test", e.TestBatches); err != nil {
			return nil, err
		}
		return &Split{Train: train, Test: test}, nil
	}
	if train, err = loadPart(dir, e, "train", e.TrainImages, e.TrainLabels); err != nil {
		return nil, err
	}
	if test, err = loadPart(dir, e, "test", e.TestImages, e.TestLabels); err != nil {
		return nil, err
	}
	return &Split{Train: train, Test: test}, nil
}

func loadPart(dir string, e Entry, part string, imgFile, lblFile File) (*Dataset, error) {
	images, err := readDataIDX(dir, imgFile, e)
	if err != nil {
		return nil, err
	}
	imgPath := filepath.Join(dir, imgFile.Name)
	c, h, w, err := imageShape(images, imgPath)
	if err != nil {
		return nil, err
	}
	// The file's own order of height and width.
	wantH, wantW := e.Height, e.Width
	if e.Transposed {
		wantH, wantW = wantW, wantH
	}
	if c != e.Channels || h != wantH || w != wantW {
		got, want := fmt.Sprintf("%d×%d", h, w), fmt.Sprintf("%d×%d", wantH, wantW)
		if len(images.Dims) == 4 || e.Channels != 1 {
			got, want = fmt.Sprintf("%d×", c)+got, fmt.Sprintf("%d×", e.Channels)+want
		}
		if e.Transposed {
			want += " (stored transposed)"
		}
		return nil, formatErr(imgPath, "wrong dimensions for images: %s, want %s", got, want)
	}
	if e.Transposed {
		transpose(images.Data, images.Dims[0]*c, h, w)
	}
	labels, err := readDataIDX(dir, lblFile, e)
	if err != nil {
		return nil, err
	}
	lblPath := filepath.Join(dir, lblFile.Name)
	if err := checkLabels(labels, lblPath, e.Classes); err != nil {
		return nil, err
	}
	if n, m := images.Dims[0], labels.Dims[0]; n != m {
		return nil, formatErr(lblPath, "image/label count mismatch: %d labels for %d images in %s", m, n, imgFile.Name)
	}
	return &Dataset{
		Name:       e.Name,
		Part:       part,
		Images:     images.Data,
		Labels:     labels.Data,
		N:          images.Dims[0],
		Channels:   e.Channels,
		Height:     e.Height,
		Width:      e.Width,
		Classes:    e.Classes,
		ClassNames: e.ClassNames,
	}, nil
}

func readDataIDX(dir string, f File, e Entry) (*IDX, error) {
	b, err := readData(dir, f, e)
	if err != nil {
		return nil, err
	}
	return ReadIDX(bytes.NewReader(b), filepath.Join(dir, f.Name))
}

// imageShape checks that idx holds images, N×H×W (one channel) or N×C×H×W,
// with no zero dimension, and returns C, H and W.
func imageShape(idx *IDX, name string) (c, h, w int, err error) {
	d := idx.Dims
	switch len(d) {
	case 3:
		c, h, w = 1, d[1], d[2]
	case 4:
		c, h, w = d[1], d[2], d[3]
	default:
		return 0, 0, 0, formatErr(name, "wrong dimensions for images: %v, want 3 (N, height, width) or 4 (N, channels, height, width)", d)
	}
	for _, x := range d {
		if x == 0 {
			return 0, 0, 0, formatErr(name, "wrong dimensions for images: %v has a zero", d)
		}
	}
	return c, h, w, nil
}

// transpose turns each of the n h×w planes in data into its w×h transpose,
// in place.
func transpose(data []uint8, n, h, w int) {
	plane := h * w
	tmp := make([]uint8, plane)
	for i := range n {
		p := data[i*plane : (i+1)*plane]
		copy(tmp, p)
		for r := range w {
			for c := range h {
				p[r*h+c] = tmp[c*w+r]
			}
		}
	}
}

// loadCIFARPart reads CIFAR binary batches: records of a label byte and
// C×H×W pixels.
func loadCIFARPart(dir string, e Entry, part string, files []File) (*Dataset, error) {
	sample := e.Channels * e.Height * e.Width
	record := 1 + sample
	d := &Dataset{
		Name: e.Name, Part: part,
		Channels: e.Channels, Height: e.Height, Width: e.Width,
		Classes: e.Classes, ClassNames: e.ClassNames,
	}
	for _, f := range files {
		b, err := readData(dir, f, e)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, f.Name)
		if len(b) == 0 || len(b)%record != 0 {
			return nil, formatErr(path, "%d bytes is not a whole number of %d-byte records (a label byte and %d×%d×%d pixels)",
				len(b), record, e.Channels, e.Height, e.Width)
		}
		n := len(b) / record
		if d.Images == nil {
			// Batches are usually the same size: one allocation for all.
			d.Images = make([]uint8, 0, n*len(files)*sample)
			d.Labels = make([]uint8, 0, n*len(files))
		}
		for i := range n {
			r := b[i*record : (i+1)*record]
			if int(r[0]) >= e.Classes {
				return nil, formatErr(path, "label out of range: record %d has label %d, want < %d", i, r[0], e.Classes)
			}
			d.Labels = append(d.Labels, r[0])
			d.Images = append(d.Images, r[1:]...)
		}
		d.N += n
	}
	return d, nil
}
