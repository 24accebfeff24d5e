package loader

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/gorgonia-zoo/zoo/internal/inputfile"
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
//
// Dataset is the dataset the file was wanted for, when known; Is, when the
// file is another file of the catalog (another dataset's, or this one's
// under another name), names that file.
type ChecksumError struct {
	File      string
	Want, Got string
	Dataset   string
	Is        *CatalogFile

	// What was measured of the file, for identifying it: its size, and its
	// MD5 if it was computed.
	size int64
	md5  string
}

// CatalogFile is one file of a catalog dataset.
type CatalogFile struct {
	Dataset string // the entry's name, e.g. "mnist"
	File
}

// Error says which file is wrong and how and, when it is another catalog
// file, which, e.g. "d/train-images-idx3-ubyte.gz: 9912422 bytes, want
// 26421880 bytes: this is mnist's train-images-idx3-ubyte.gz, not
// fashion-mnist's (point -data or $ZOO_DATA at the fashion-mnist folder)".
func (e *ChecksumError) Error() string {
	if e.Is == nil {
		return fmt.Sprintf("%s: %s, want %s: the file is corrupt or not the expected one", e.File, e.Got, e.Want)
	}
	s := fmt.Sprintf("%s: %s, want %s: %s", e.File, e.Got, e.Want, e.identity())
	if e.Is.Dataset != e.Dataset && e.Dataset != "" {
		s += " (point -data or $" + DataEnv + " at the " + e.Dataset + " folder)"
	}
	return s
}

// identity says which catalog file e.File is instead of the one wanted.
func (e *ChecksumError) identity() string {
	want := filepath.Base(e.File)
	s := "this is " + e.Is.Dataset + "'s " + e.Is.Name + ", not "
	switch {
	case e.Is.Dataset == e.Dataset || e.Dataset == "":
		return s + want
	case e.Is.Name == want:
		return s + e.Dataset + "'s"
	}
	return s + e.Dataset + "'s " + want
}

// DefaultMaxBytes is the memory budget of a dataset when Options.MaxBytes or
// Folder.MaxBytes is 0: 4 GiB of data, as the files' headers declare it (for
// CIFAR batches, their sizes). It is well above the largest catalog dataset,
// EMNIST byclass (about 0.64 GB decoded), so the catalog loads within it, and
// it stops a file that declares gigabytes from taking them.
const DefaultMaxBytes int64 = 4 << 30

// BudgetError reports a dataset whose data would take more memory than
// allowed. Need is the sum of what its data files declare (IDX headers, or
// the sizes of CIFAR batches), Budget the limit; both are in bytes.
type BudgetError struct {
	Dataset      string
	Need, Budget int64
}

// Error says how much the files declare and what the budget is, e.g.
// "mnist: its files declare 5.2 GiB of data, over the memory budget of 4.0
// GiB".
func (e *BudgetError) Error() string {
	need, budget := humanBytes(e.Need), humanBytes(e.Budget)
	if need == budget {
		// Rounded alike: the exact counts show the difference.
		need, budget = fmt.Sprintf("%s (%d bytes)", need, e.Need), fmt.Sprintf("%s (%d bytes)", budget, e.Budget)
	}
	return fmt.Sprintf("%s: its files declare %s of data, over the memory budget of %s", e.Dataset, need, budget)
}

// humanBytes writes n in binary units with one decimal: "512 bytes", "4.0
// GiB".
func humanBytes(n int64) string {
	if n < 1<<10 {
		return fmt.Sprintf("%d bytes", n)
	}
	v, unit := float64(n)/(1<<10), 0
	for v >= 1<<10 && unit < len("KMGTPE")-1 {
		v /= 1 << 10
		unit++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[unit])
}

// checkBudget returns a *BudgetError if need bytes are over the budget
// maxBytes: 0 means DefaultMaxBytes, a negative one no limit.
func checkBudget(dataset string, need, maxBytes int64) error {
	if maxBytes == 0 {
		maxBytes = DefaultMaxBytes
	}
	if maxBytes > 0 && need > maxBytes {
		return &BudgetError{Dataset: dataset, Need: need, Budget: maxBytes}
	}
	return nil
}

// openChecked opens path, which must be a regular file (see inputfile.Open),
// and checks its size against f.Size unless that is 0 and, if withMD5, its
// MD5 against f.MD5, reading it through once with constant memory; ctx stops
// the reading. A file of no known size is refused above 2 GiB before its
// MD5 is computed, as its download would be. A mismatch is a
// *ChecksumError. It returns the file, at its start, and its size; the
// caller closes the file.
func openChecked(ctx context.Context, path string, f File, withMD5 bool) (*os.File, int64, error) {
	fh, size, err := inputfile.Open(path)
	if err != nil {
		return nil, 0, errors.Wrap(err, "open data file")
	}
	fail := func(err error) (*os.File, int64, error) {
		fh.Close()
		return nil, 0, err
	}
	if f.Size > 0 && size != f.Size {
		return fail(&ChecksumError{File: path, Want: fmt.Sprintf("%d bytes", f.Size), Got: fmt.Sprintf("%d bytes", size), size: size})
	}
	if !withMD5 {
		return fh, size, nil
	}
	if f.Size <= 0 && size > maxUnsizedDownload {
		return fail(&ChecksumError{File: path, Want: fmt.Sprintf("at most %d bytes", int64(maxUnsizedDownload)), Got: fmt.Sprintf("%d bytes", size), size: size})
	}
	h := md5.New()
	if _, err := io.Copy(h, inputfile.WithContext(ctx, fh)); err != nil {
		return fail(errors.Wrapf(err, "read %s", path))
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.MD5 {
		return fail(&ChecksumError{File: path, Want: "md5 " + f.MD5, Got: "md5 " + got, size: size, md5: got})
	}
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return fail(errors.Wrapf(err, "read %s", path))
	}
	return fh, size, nil
}

// verifyFile checks dir/f.Name's size and MD5 without parsing it or holding
// it in memory.
func verifyFile(ctx context.Context, dir string, f File) error {
	path := filepath.Join(dir, f.Name)
	if f.MD5 == "" {
		return errors.Errorf("%s: the catalog has no size or md5 to verify it against", path)
	}
	fh, _, err := openChecked(ctx, path, f, true)
	if err != nil {
		return err
	}
	return fh.Close()
}

// vouched says that f is a data file extracted from e's archive with no MD5
// of its own: the archive's MD5 vouches for it.
func vouched(e Entry, f File) bool { return f.MD5 == "" && e.hasArchive() }

// openData opens data file f of entry e in dir, checked against the catalog
// before any of it is parsed: its size and MD5 or, for a file extracted from
// the entry's archive without an MD5 of its own, its size when the catalog
// knows it (what such a file may declare is bounded by the budget). It
// returns the file, at its start, and its size; the caller closes the file.
//
// A file that fails the check is identified among the catalog's files (see
// identify).
func openData(ctx context.Context, dir string, f File, e Entry) (*os.File, int64, error) {
	path := filepath.Join(dir, f.Name)
	if !vouched(e, f) && f.MD5 == "" {
		return nil, 0, errors.Errorf("%s: the catalog has no size or md5 to verify it against", path)
	}
	fh, size, err := openChecked(ctx, path, f, !vouched(e, f))
	return fh, size, identify(ctx, err, e, f)
}

// checkDataFile is openData without keeping the file open.
func checkDataFile(ctx context.Context, dir string, f File, e Entry) error {
	fh, _, err := openData(ctx, dir, f, e)
	if err != nil {
		return err
	}
	return fh.Close()
}

// prepareDir extracts e's data files from its archive in dir when any of
// them is missing there. It reports whether it extracted.
func prepareDir(ctx context.Context, dir string, e Entry) (extracted bool, err error) {
	if !e.hasArchive() {
		return false, nil
	}
	for _, f := range e.Files() {
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
			err := extractArchive(ctx, dir, e)
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
func extractArchive(ctx context.Context, dir string, e Entry) error {
	if err := verifyFile(ctx, dir, e.Archive.File); err != nil {
		return identify(ctx, err, e, e.Archive.File)
	}
	want := map[string]string{}
	for _, f := range e.Files() {
		want[path.Join(e.Archive.Folder, f.Name)] = f.Name
	}
	return Extract(ctx, filepath.Join(dir, e.Archive.Name), dir, want, e.Archive.MaxMember)
}

// LoadDir reads entry e's data files from dir, verifying each file's size
// and MD5 (a mismatch is a *ChecksumError) and then its content (a defect is
// a *FormatError): dimensions as the entry says, as many labels as images,
// every label below e.Classes.
//
// Data files must be regular files (a FIFO or a device is refused, naming
// it). Once a file's size and MD5 are verified (the MD5 in one pass of
// constant memory), its IDX header is read and checked against its size, the
// entry and the other file of its part; the sum of what all the headers
// declare is held against DefaultMaxBytes (over it: a *BudgetError) before
// any data is read into memory. The reading stops at ctx's cancellation with
// an error for which errors.Is(err, ctx.Err()) holds.
//
// For an entry with an archive, data files missing from dir are first
// extracted from the archive in dir, after the archive's size and MD5 are
// checked; data files that turn out damaged are extracted again once.
func LoadDir(ctx context.Context, dir string, e Entry) (*Split, error) {
	return loadDir(ctx, dir, e, DefaultMaxBytes)
}

// loadDir is LoadDir with a memory budget: 0 means DefaultMaxBytes, a
// negative one no limit.
func loadDir(ctx context.Context, dir string, e Entry, maxBytes int64) (*Split, error) {
	if err := e.validate(); err != nil {
		return nil, err
	}
	extracted, err := prepareDir(ctx, dir, e)
	if err != nil {
		return nil, err
	}
	s, err := loadFiles(ctx, dir, e, maxBytes)
	var (
		fe *FormatError
		ce *ChecksumError
	)
	if err != nil && !extracted && e.hasArchive() && (errors.As(err, &fe) || errors.As(err, &ce)) {
		// A damaged copy beside a good archive: extract again, once.
		if _, statErr := os.Stat(filepath.Join(dir, e.Archive.Name)); statErr == nil {
			switch xerr := extractArchive(ctx, dir, e); {
			case xerr == nil:
				s, err = loadFiles(ctx, dir, e, maxBytes)
			case ctx.Err() != nil:
				return nil, xerr
			}
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

// loadFiles reads e's data files in dir: every file is opened and checked,
// headers included, and what they declare is held against the budget before
// any data is read.
func loadFiles(ctx context.Context, dir string, e Entry, maxBytes int64) (*Split, error) {
	if e.Format == FormatCIFAR {
		return loadCIFAR(ctx, dir, e, maxBytes)
	}
	var open []*idxFile
	defer func() {
		for _, x := range open {
			x.f.Close()
		}
	}()
	openIDXData := func(f File) (*idxFile, error) {
		fh, size, err := openData(ctx, dir, f, e)
		if err != nil {
			return nil, err
		}
		x, err := openIDX(ctx, fh, size, filepath.Join(dir, f.Name))
		if err != nil {
			fh.Close()
			return nil, err
		}
		open = append(open, x)
		return x, nil
	}
	var need int64
	for _, p := range [][2]File{{e.TrainImages, e.TrainLabels}, {e.TestImages, e.TestLabels}} {
		images, err := openIDXData(p[0])
		if err != nil {
			return nil, err
		}
		labels, err := openIDXData(p[1])
		if err != nil {
			return nil, err
		}
		if err := checkPartHeaders(e, images, labels); err != nil {
			return nil, err
		}
		need += images.size + labels.size
	}
	if err := checkBudget(e.Name, need, maxBytes); err != nil {
		return nil, err
	}
	train, err := readPart(ctx, e, "train", open[0], open[1])
	if err != nil {
		return nil, err
	}
	test, err := readPart(ctx, e, "test", open[2], open[3])
	if err != nil {
		return nil, err
	}
	return &Split{Train: train, Test: test}, nil
}

// checkPartHeaders checks the headers of a part's images and labels against
// entry e and each other: images of e's shape, labels in one dimension, as
// many of each.
func checkPartHeaders(e Entry, images, labels *idxFile) error {
	c, h, w, err := imageShape(images.dims, images.path)
	if err != nil {
		return err
	}
	// The file's own order of height and width.
	wantH, wantW := e.Height, e.Width
	if e.Transposed {
		wantH, wantW = wantW, wantH
	}
	if c != e.Channels || h != wantH || w != wantW {
		got, want := fmt.Sprintf("%d×%d", h, w), fmt.Sprintf("%d×%d", wantH, wantW)
		if len(images.dims) == 4 || e.Channels != 1 {
			got, want = fmt.Sprintf("%d×", c)+got, fmt.Sprintf("%d×", e.Channels)+want
		}
		if e.Transposed {
			want += " (stored transposed)"
		}
		return formatErr(images.path, "wrong dimensions for images: %s, want %s", got, want)
	}
	if err := checkLabelDims(labels.dims, labels.path, e.Classes); err != nil {
		return err
	}
	if n, m := images.dims[0], labels.dims[0]; n != m {
		return formatErr(labels.path, "image/label count mismatch: %d labels for %d images in %s", m, n, filepath.Base(images.path))
	}
	return nil
}

// readPart reads the data of a part whose headers checkPartHeaders passed.
func readPart(ctx context.Context, e Entry, part string, images, labels *idxFile) (*Dataset, error) {
	pixels, err := images.read(ctx, nil)
	if err != nil {
		return nil, err
	}
	n := images.dims[0]
	if e.Transposed {
		transpose(pixels, n*e.Channels, e.Width, e.Height)
	}
	lbl, err := labels.read(ctx, nil)
	if err != nil {
		return nil, err
	}
	if err := checkLabelRange(lbl, labels.path, e.Classes); err != nil {
		return nil, err
	}
	return &Dataset{
		Name:       e.Name,
		Part:       part,
		Images:     pixels,
		Labels:     lbl,
		N:          n,
		Channels:   e.Channels,
		Height:     e.Height,
		Width:      e.Width,
		Classes:    e.Classes,
		ClassNames: e.ClassNames,
	}, nil
}

// imageShape checks that dimensions d are those of images, N×H×W (one channel) or N×C×H×W,
// with no zero dimension, and returns C, H and W.
func imageShape(d []int, name string) (c, h, w int, err error) {
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

// cifarFile is an open CIFAR batch of n records.
type cifarFile struct {
	path string
	f    *os.File
	n    int
}

// loadCIFAR reads e's CIFAR batches in dir: every batch is opened, checked
// and counted, and the sum of their sizes held against the budget, before
// any is read.
func loadCIFAR(ctx context.Context, dir string, e Entry, maxBytes int64) (*Split, error) {
	sample := e.Channels * e.Height * e.Width
	record := int64(1 + sample)
	var parts [2][]cifarFile
	defer func() {
		for _, p := range parts {
			for _, b := range p {
				b.f.Close()
			}
		}
	}()
	var need int64
	for i, files := range [2][]File{e.TrainBatches, e.TestBatches} {
		for _, f := range files {
			fh, size, err := openData(ctx, dir, f, e)
			if err != nil {
				return nil, err
			}
			path := filepath.Join(dir, f.Name)
			parts[i] = append(parts[i], cifarFile{path: path, f: fh, n: int(size / record)})
			if size == 0 || size%record != 0 {
				return nil, formatErr(path, "%d bytes is not a whole number of %d-byte records (a label byte and %d×%d×%d pixels)",
					size, record, e.Channels, e.Height, e.Width)
			}
			need += size
		}
	}
	if err := checkBudget(e.Name, need, maxBytes); err != nil {
		return nil, err
	}
	train, err := readCIFARPart(ctx, e, "train", parts[0])
	if err != nil {
		return nil, err
	}
	test, err := readCIFARPart(ctx, e, "test", parts[1])
	if err != nil {
		return nil, err
	}
	return &Split{Train: train, Test: test}, nil
}

// readCIFARPart reads a part's batches, records of a label byte and C×H×W
// pixels, straight into the dataset's memory.
func readCIFARPart(ctx context.Context, e Entry, part string, batches []cifarFile) (*Dataset, error) {
	sample := e.Channels * e.Height * e.Width
	n := 0
	for _, b := range batches {
		n += b.n
	}
	d := &Dataset{
		Name: e.Name, Part: part,
		Images: make([]uint8, n*sample), Labels: make([]uint8, n), N: n,
		Channels: e.Channels, Height: e.Height, Width: e.Width,
		Classes: e.Classes, ClassNames: e.ClassNames,
	}
	i := 0
	for _, b := range batches {
		src := &errRecorder{r: inputfile.WithContext(ctx, b.f)}
		br := bufio.NewReaderSize(src, 64<<10)
		for k := range b.n {
			label, err := br.ReadByte()
			if err == nil {
				_, err = io.ReadFull(br, d.Images[i*sample:(i+1)*sample])
			}
			if src.err != nil {
				return nil, errors.Wrapf(src.err, "read %s", b.path)
			}
			if err != nil {
				return nil, formatErr(b.path, "truncated: the file shrank while being read, at record %d of %d", k, b.n)
			}
			if int(label) >= e.Classes {
				return nil, formatErr(b.path, "label out of range: record %d has label %d, want < %d", k, label, e.Classes)
			}
			d.Labels[i] = label
			i++
		}
	}
	return d, nil
}
