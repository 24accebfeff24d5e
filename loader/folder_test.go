package loader

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// ownImages returns n images of dims (without N), pixel k of image i being
// byte(3*i+k).
func ownImages(n int, dims ...int) []byte {
	size := 1
	for _, d := range dims {
		size *= d
	}
	b := make([]byte, n*size)
	for i := range n {
		for k := range size {
			b[i*size+k] = byte(3*i + k)
		}
	}
	return b
}

func labelsMod(n, classes int) []byte {
	l := make([]byte, n)
	for i := range l {
		l[i] = byte(i % classes)
	}
	return l
}

// ownFolder writes a dataset: names[0..3] are the train images, train
// labels, test images and test labels files; a ".gz" name is gzipped.
func ownFolder(t *testing.T, dir string, names [4]string, contents [4][]byte) {
	t.Helper()
	for i, name := range names {
		b := contents[i]
		if strings.HasSuffix(name, ".gz") {
			b = gzipBytes(t, b)
		}
		writeFile(t, dir, name, b)
	}
}

var mnistNames = [4]string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}

// valid returns a 1×5×7 dataset in 4 classes: 8 training and 4 test images.
func valid() [4][]byte {
	return [4][]byte{
		idxBytes([]int{8, 5, 7}, ownImages(8, 5, 7)), idxBytes([]int{8}, labelsMod(8, 4)),
		idxBytes([]int{4, 5, 7}, ownImages(4, 5, 7)), idxBytes([]int{4}, labelsMod(4, 4)),
	}
}

func TestLoadFolder(t *testing.T) {
	raw := [4]string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}
	own := [4]string{"a.idx", "b.idx.gz", "c.idx", "d.idx"}
	tests := []struct {
		name     string
		names    [4]string
		contents func() [4][]byte
		folder   Folder // Dir is filled in
		// want, when there is no error
		c, h, w, classes int
		// else the file named and what is said
		file, defect string
	}{
		{name: "mnist names, gzipped", names: mnistNames, contents: valid, c: 1, h: 5, w: 7, classes: 4},
		{name: "mnist names, raw", names: raw, contents: valid, c: 1, h: 5, w: 7, classes: 4},
		{
			name: "own names, 4 dims, 3 channels", names: own,
			folder: Folder{TrainImages: "a.idx", TrainLabels: "b.idx.gz", TestImages: "c.idx", TestLabels: "d.idx"},
			contents: func() [4][]byte {
				return [4][]byte{
					idxBytes([]int{6, 3, 4, 2}, ownImages(6, 3, 4, 2)), idxBytes([]int{6}, labelsMod(6, 3)),
					idxBytes([]int{2, 3, 4, 2}, ownImages(2, 3, 4, 2)), idxBytes([]int{2}, []byte{0, 2}),
				}
			},
			c: 3, h: 4, w: 2, classes: 3,
		},
		{name: "classes given", names: mnistNames, contents: valid, folder: Folder{Classes: 12}, c: 1, h: 5, w: 7, classes: 12},
		{
			name: "test labels decide the classes", names: mnistNames,
			contents: func() [4][]byte { v := valid(); v[3] = idxBytes([]int{4}, []byte{0, 1, 9, 2}); return v },
			c:        1, h: 5, w: 7, classes: 10,
		},
		{
			name: "label over -classes", names: mnistNames, contents: valid, folder: Folder{Classes: 3},
			file: "train-labels-idx1-ubyte.gz", defect: "label out of range: label[3] = 3, want < 3",
		},
		{
			name: "test images of another shape", names: mnistNames,
			contents: func() [4][]byte { v := valid(); v[2] = idxBytes([]int{4, 7, 5}, ownImages(4, 7, 5)); return v },
			file:     "t10k-images-idx3-ubyte.gz", defect: "test images are 1×7×5, but the training images (train-images-idx3-ubyte.gz) are 1×5×7",
		},
		{
			name: "fewer labels than images", names: mnistNames,
			contents: func() [4][]byte { v := valid(); v[1] = idxBytes([]int{7}, labelsMod(7, 4)); return v },
			file:     "train-labels-idx1-ubyte.gz", defect: "image/label count mismatch: 7 labels for 8 images in train-images-idx3-ubyte.gz",
		},
		{
			name: "images with 2 dims", names: mnistNames,
			contents: func() [4][]byte { v := valid(); v[0] = idxBytes([]int{8, 35}, ownImages(8, 35)); return v },
			file:     "train-images-idx3-ubyte.gz", defect: "wrong dimensions for images: [8 35], want 3 (N, height, width) or 4",
		},
		{
			name: "images with 5 dims", names: mnistNames,
			contents: func() [4][]byte { v := valid(); v[0] = idxBytes([]int{8, 1, 1, 5, 7}, ownImages(8, 35)); return v },
			file:     "train-images-idx3-ubyte.gz", defect: "wrong dimensions for images: [8 1 1 5 7]",
		},
		{
			name: "zero-sized images", names: mnistNames,
			contents: func() [4][]byte { v := valid(); v[2] = idxBytes([]int{4, 0, 7}, nil); return v },
			file:     "t10k-images-idx3-ubyte.gz", defect: "has a zero",
		},
		{
			name: "labels with 2 dims", names: mnistNames,
			contents: func() [4][]byte { v := valid(); v[3] = idxBytes([]int{4, 1}, labelsMod(4, 4)); return v },
			file:     "t10k-labels-idx1-ubyte.gz", defect: "wrong dimensions for labels: [4 1], want 1",
		},
		{
			name: "one class", names: mnistNames,
			contents: func() [4][]byte {
				v := valid()
				v[1], v[3] = idxBytes([]int{8}, make([]byte, 8)), idxBytes([]int{4}, make([]byte, 4))
				return v
			},
			file: "train-labels-idx1-ubyte.gz", defect: "every label is 0: at least two classes are needed",
		},
		{
			name: "an HTML page", names: mnistNames,
			contents: func() [4][]byte { v := valid(); v[2] = []byte(htmlPage); return v },
			file:     "t10k-images-idx3-ubyte.gz", defect: "an HTML page?",
		},
		{
			name: "truncated", names: mnistNames,
			contents: func() [4][]byte { v := valid(); v[0] = v[0][:30]; return v },
			file:     "train-images-idx3-ubyte.gz", defect: "truncated data",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "shapes")
			ownFolder(t, dir, tc.names, tc.contents())
			f := tc.folder
			f.Dir = dir
			s, err := LoadFolder(context.Background(), f)
			if tc.defect != "" {
				var fe *FormatError
				if !errors.As(err, &fe) || filepath.Base(fe.File) != tc.file || !strings.Contains(fe.Defect, tc.defect) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("err = %v, want a one-line FormatError for %s saying %q", err, tc.file, tc.defect)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`^shapes-[0-9a-f]{8}$`).MatchString(s.Train.Name) || s.Test.Name != s.Train.Name {
				t.Errorf("names %q, %q", s.Train.Name, s.Test.Name)
			}
			for _, d := range []*Dataset{s.Train, s.Test} {
				if d.Channels != tc.c || d.Height != tc.h || d.Width != tc.w || d.Classes != tc.classes || len(d.ClassNames) != tc.classes {
					t.Errorf("%s: %d×%d×%d, %d classes (%d names); want %d×%d×%d, %d", d.Part, d.Channels, d.Height, d.Width, d.Classes, len(d.ClassNames), tc.c, tc.h, tc.w, tc.classes)
				}
				if !slices.Equal(d.Images, ownImages(d.N, tc.c, tc.h, tc.w)) || len(d.Labels) != d.N {
					t.Errorf("%s: wrong pixels or labels", d.Part)
				}
			}
			if _, err := NewBatcher(s.Train, 2); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestLoadFolderErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "own")
	ownFolder(t, dir, mnistNames, valid())
	tests := []struct {
		name string
		f    Folder
		want string
	}{
		{"no folder", Folder{Dir: filepath.Join(dir, "absent")}, "absent"},
		{"a file, not a folder", Folder{Dir: filepath.Join(dir, mnistNames[0])}, "is not a folder"},
		{"file missing", Folder{Dir: dir, TestLabels: "labels.idx"}, "labels.idx"},
		{"one class", Folder{Dir: dir, Classes: 1}, "at least two"},
		{"too many classes", Folder{Dir: dir, Classes: 300}, "want 2..256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadFolder(context.Background(), tc.f)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want one line saying %q", err, tc.want)
			}
		})
	}
	_, err := LoadFolder(context.Background(), Folder{Dir: dir, TestLabels: "labels.idx"})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v is not a not-exist error", err)
	}
}

// The default name follows the content, not the path.
func TestLoadFolderName(t *testing.T) {
	load := func(dir string, f Folder) string {
		t.Helper()
		f.Dir = dir
		s, err := LoadFolder(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		return s.Train.Name
	}
	a, b, c := filepath.Join(t.TempDir(), "own"), filepath.Join(t.TempDir(), "own"), filepath.Join(t.TempDir(), "own")
	ownFolder(t, a, mnistNames, valid())
	ownFolder(t, b, mnistNames, valid())
	changed := valid()
	changed[3] = idxBytes([]int{4}, []byte{3, 2, 1, 0})
	ownFolder(t, c, mnistNames, changed)
	if load(a, Folder{}) != load(b, Folder{}) {
		t.Error("the same files in two folders of the same name have different names")
	}
	if load(a, Folder{}) == load(c, Folder{}) || load(a, Folder{}) == load(a, Folder{Classes: 5}) {
		t.Error("different data or classes share a name")
	}
	if got := load(a, Folder{Name: "mine"}); got != "mine" {
		t.Errorf("Name %q", got)
	}
	// The fingerprint is the MD5 of the four files as stored, in order, and
	// of the classes: the names of results recorded earlier stay valid.
	h := md5.New()
	for _, n := range mnistNames {
		b, err := os.ReadFile(filepath.Join(a, n))
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	h.Write([]byte("classes=4"))
	if got, want := load(a, Folder{}), "own-"+hex.EncodeToString(h.Sum(nil))[:8]; got != want {
		t.Errorf("name %q, want %q", got, want)
	}
}

// Catalog entries take 4-dim IDX files (N×C×H×W) too.
func TestLoadDirChannels(t *testing.T) {
	files := tinyFiles(t)
	files["trainImages"] = gzipBytes(t, idxBytes([]int{tinyTrainN, 2, tinyH, tinyW}, ownImages(tinyTrainN, 2, tinyH, tinyW)))
	files["testImages"] = idxBytes([]int{tinyTestN, 2, tinyH, tinyW}, ownImages(tinyTestN, 2, tinyH, tinyW)) // raw
	tests := []struct {
		name     string
		channels int
		defect   string
	}{
		{"two channels", 2, ""},
		{"entry wants one", 1, "wrong dimensions for images: 2×4×3, want 1×4×3"},
		{"entry wants three", 3, "wrong dimensions for images: 2×4×3, want 3×4×3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := tinyEntry(files)
			e.Channels = tc.channels
			dir := t.TempDir()
			writeFiles(t, dir, files)
			s, err := LoadDir(context.Background(), dir, e)
			if tc.defect != "" {
				wantDefect("tiny-train-images.gz", tc.defect)(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Test.SampleSize() != 2*tinyH*tinyW || !slices.Equal(s.Test.Images, ownImages(tinyTestN, 2, tinyH, tinyW)) || s.Train.Name != "tiny" || s.Train.Part != "train" {
				t.Errorf("test: %d bytes a sample, or wrong pixels; %s/%s", s.Test.SampleSize(), s.Train.Name, s.Train.Part)
			}
		})
	}
}
