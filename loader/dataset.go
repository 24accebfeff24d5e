package loader

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

// Dataset is one split of a dataset held in memory: Images holds N samples of
// Channels×Height×Width bytes, row-major, and Labels one class per sample.
// Pixels stay uint8 so MNIST costs 47 MB rather than 188 MB as float32.
type Dataset struct {
	Name                                string
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
// checked first so the read is bounded by the catalog, not by the file.
func readVerified(dir string, f File) ([]byte, error) {
	path := filepath.Join(dir, f.Name)
	if f.MD5 == "" || f.Size <= 0 {
		return nil, errors.Errorf("%s: the catalog has no size or md5 to verify it against", path)
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "open data file")
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, errors.Wrap(err, "stat data file")
	}
	if st.Size() != f.Size {
		return nil, &ChecksumError{File: path, Want: fmt.Sprintf("%d bytes", f.Size), Got: fmt.Sprintf("%d bytes", st.Size())}
	}
	b := make([]byte, f.Size)
	if _, err := io.ReadFull(fh, b); err != nil {
		return nil, errors.Wrapf(err, "read %s", path)
	}
	if sum := md5.Sum(b); hex.EncodeToString(sum[:]) != f.MD5 {
		return nil, &ChecksumError{File: path, Want: "md5 " + f.MD5, Got: "md5 " + hex.EncodeToString(sum[:])}
	}
	return b, nil
}

// verifyFile checks dir/f.Name's size and MD5 without parsing it.
func verifyFile(dir string, f File) error {
	_, err := readVerified(dir, f)
	return err
}

// LoadDir reads entry e's four files from dir, verifying each file's size and
// MD5 (a mismatch is a *ChecksumError) and then its content (a defect is a
// *FormatError): dimensions as the entry says, as many labels as images,
// every label below e.Classes.
func LoadDir(dir string, e Entry) (*Split, error) {
	if e.Channels != 1 {
		return nil, errors.Errorf("%s: %d channels: only 1 (IDX N×H×W images) is supported", e.Name, e.Channels)
	}
	train, err := loadPart(dir, e, "train", e.TrainImages, e.TrainLabels)
	if err != nil {
		return nil, err
	}
	test, err := loadPart(dir, e, "test", e.TestImages, e.TestLabels)
	if err != nil {
		return nil, err
	}
	return &Split{Train: train, Test: test}, nil
}

func loadPart(dir string, e Entry, part string, imgFile, lblFile File) (*Dataset, error) {
	images, err := readVerifiedIDX(dir, imgFile)
	if err != nil {
		return nil, err
	}
	imgPath := filepath.Join(dir, imgFile.Name)
	if err := checkImages(images, imgPath); err != nil {
		return nil, err
	}
	if h, w := images.Dims[1], images.Dims[2]; h != e.Height || w != e.Width {
		return nil, formatErr(imgPath, "wrong dimensions for images: %d×%d, want %d×%d", h, w, e.Height, e.Width)
	}
	labels, err := readVerifiedIDX(dir, lblFile)
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
		Name:       e.Name + "/" + part,
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

func readVerifiedIDX(dir string, f File) (*IDX, error) {
	b, err := readVerified(dir, f)
	if err != nil {
		return nil, err
	}
	return ReadIDX(bytes.NewReader(b), filepath.Join(dir, f.Name))
}
