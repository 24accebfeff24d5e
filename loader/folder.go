package loader

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gorgonia-zoo/zoo/internal/inputfile"
	"github.com/pkg/errors"
)

// Folder describes a dataset of one's own: four IDX files of unsigned bytes
// in a folder. Images are N×H×W (one channel) or N×C×H×W, of any size;
// labels are N class numbers.
type Folder struct {
	// Dir is the folder.
	Dir string
	// TrainImages, TrainLabels, TestImages and TestLabels are the files'
	// names in Dir (or absolute paths); an empty one means MNIST's name,
	// e.g. "train-images-idx3-ubyte.gz", or that name without ".gz" if only
	// that file exists. Files may be gzipped or not.
	TrainImages, TrainLabels, TestImages, TestLabels string
	// Classes is the number of classes; 0 means the largest label + 1.
	Classes int
	// Name is the dataset's name in records; empty means the folder's name
	// followed by a fingerprint of the files' content and the classes, e.g.
	// "shapes-3fa2b1c0", so that results on different data never share a
	// name. The fingerprint is the MD5 of the four files' bytes, as stored
	// (gzipped or not), in the order above, and of the number of classes.
	Name string
	// MaxBytes is the memory budget: the most data that the four files'
	// headers may declare in all. 0 means DefaultMaxBytes; a negative value
	// means no limit.
	MaxBytes int64
}

// LoadFolder reads a dataset of one's own (see Folder) and checks it: both
// parts' images have the same C×H×W, each labels file has as many labels as
// its images file has images, every label is below the number of classes,
// and there are at least two classes. Every defect is a one-line
// *FormatError naming the file.
//
// The four files must be regular files: a FIFO, a device or a folder is
// refused with an error naming it and saying what it is. Their headers are
// read first and checked, against each other and against each file's size
// (an uncompressed file must hold exactly what its header declares; a gzipped
// one cannot declare more than deflate can inflate it to), and the sum of
// what they declare against f.MaxBytes (over it: a *BudgetError) before any
// data is read. The reading stops at ctx's cancellation with an error for
// which errors.Is(err, ctx.Err()) holds.
func LoadFolder(ctx context.Context, f Folder) (*Split, error) {
	if f.Classes < 0 || f.Classes > 256 {
		return nil, errors.Errorf("%d classes: want 2..256 (labels are bytes)", f.Classes)
	}
	if f.Classes == 1 {
		return nil, errors.New("1 class: at least two are needed")
	}
	if st, err := os.Stat(f.Dir); err != nil {
		return nil, errors.Wrap(err, "dataset folder")
	} else if !st.IsDir() {
		return nil, errors.Errorf("%s is not a folder", f.Dir)
	}
	paths := [4]string{
		f.path(f.TrainImages, MNIST.TrainImages.Name),
		f.path(f.TrainLabels, MNIST.TrainLabels.Name),
		f.path(f.TestImages, MNIST.TestImages.Name),
		f.path(f.TestLabels, MNIST.TestLabels.Name),
	}
	var files [4]*idxFile
	defer func() {
		for _, x := range files {
			if x != nil {
				x.f.Close()
			}
		}
	}()
	for i, p := range paths {
		fh, size, err := inputfile.Open(p)
		if err != nil {
			return nil, errors.Wrap(err, "dataset file")
		}
		if files[i], err = openIDX(ctx, fh, size, p); err != nil {
			fh.Close()
			return nil, err
		}
	}

	// Headers only: nothing of the data has been read yet.
	var shapes [2][3]int // C, H, W of train and test
	var need int64
	for part := range 2 {
		img, lbl := files[2*part], files[2*part+1]
		c, h, w, err := imageShape(img.dims, img.path)
		if err != nil {
			return nil, err
		}
		shapes[part] = [3]int{c, h, w}
		if len(lbl.dims) != 1 || lbl.dims[0] == 0 {
			return nil, formatErr(lbl.path, "wrong dimensions for labels: %v, want 1 (N > 0)", lbl.dims)
		}
		if n, m := img.dims[0], lbl.dims[0]; n != m {
			return nil, formatErr(lbl.path, "image/label count mismatch: %d labels for %d images in %s", m, n, filepath.Base(img.path))
		}
		need += img.size + lbl.size
	}
	if shapes[0] != shapes[1] {
		s, t := shapes[0], shapes[1]
		return nil, formatErr(paths[2], "test images are %d×%d×%d, but the training images (%s) are %d×%d×%d",
			t[0], t[1], t[2], filepath.Base(paths[0]), s[0], s[1], s[2])
	}
	dataset := f.Name
	if dataset == "" {
		dataset = f.Dir
	}
	if err := checkBudget(dataset, need, f.MaxBytes); err != nil {
		return nil, err
	}

	// The fingerprint hashes the files' bytes as they are read, one file
	// after the other, so it is the MD5 of the four files in order.
	fingerprint := md5.New()
	var data [4][]byte
	for i, x := range files {
		var err error
		if data[i], err = x.read(ctx, fingerprint); err != nil {
			return nil, err
		}
	}

	classes := f.Classes
	if classes == 0 {
		top, where := 0, paths[1]
		for _, i := range []int{1, 3} {
			for _, l := range data[i] {
				if int(l) > top {
					top, where = int(l), paths[i]
				}
			}
		}
		classes = top + 1
		if classes < 2 {
			return nil, formatErr(where, "every label is 0: at least two classes are needed")
		}
	}
	for _, i := range []int{1, 3} {
		if err := checkLabelRange(data[i], paths[i], classes); err != nil {
			return nil, err
		}
	}

	name := f.Name
	if name == "" {
		abs, err := filepath.Abs(f.Dir)
		if err != nil {
			return nil, errors.Wrap(err, "dataset folder")
		}
		fingerprint.Write([]byte("classes=" + strconv.Itoa(classes)))
		name = filepath.Base(abs) + "-" + hex.EncodeToString(fingerprint.Sum(nil))[:8]
	}
	names := make([]string, classes)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	c, h, w := shapes[0][0], shapes[0][1], shapes[0][2]
	part := func(p string, img, lbl int) *Dataset {
		return &Dataset{
			Name: name, Part: p,
			Images: data[img], Labels: data[lbl],
			N: files[img].dims[0], Channels: c, Height: h, Width: w,
			Classes: classes, ClassNames: names,
		}
	}
	return &Split{Train: part("train", 0, 1), Test: part("test", 2, 3)}, nil
}

// path resolves one of the folder's files: name in Dir (an absolute name as
// is), or the default, or the default without ".gz" if only that exists.
func (f Folder) path(name, def string) string {
	if name != "" {
		if filepath.IsAbs(name) {
			return name
		}
		return filepath.Join(f.Dir, name)
	}
	p := filepath.Join(f.Dir, def)
	if _, err := os.Stat(p); err != nil {
		raw := p[:len(p)-len(".gz")]
		if _, err := os.Stat(raw); err == nil {
			return raw
		}
	}
	return p
}
