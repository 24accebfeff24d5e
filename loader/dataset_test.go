package loader

import (
	"context"
	"errors"
	"github.com/gorgonia-zoo/zoo/internal/prereq"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadDir(t *testing.T) {
	tests := []struct {
		name   string
		change func(files map[string][]byte) // before the entry is built
		edit   func(e *Entry)                // after
		check  func(t *testing.T, err error)
	}{
		{name: "valid"},
		{
			name:  "wrong md5",
			edit:  func(e *Entry) { e.TrainLabels.MD5 = strings.Repeat("0", 32) },
			check: wantChecksum("tiny-train-labels.gz", "md5 00000000000000000000000000000000"),
		},
		{
			name:  "wrong size",
			edit:  func(e *Entry) { e.TestImages.Size++ },
			check: wantChecksum("tiny-test-images.gz", "bytes"),
		},
		{
			name: "missing file",
			edit: func(e *Entry) { e.TestLabels.Name = "absent.gz" },
			check: func(t *testing.T, err error) {
				if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "absent.gz") {
					t.Errorf("err = %v, want a not-exist error naming absent.gz", err)
				}
			},
		},
		{
			name: "count mismatch",
			change: func(files map[string][]byte) {
				files["trainLabels"] = gzipBytes(t, idxBytes([]int{tinyTrainN - 1}, tinyLabels(tinyTrainN-1)))
			},
			check: wantDefect("tiny-train-labels.gz", "image/label count mismatch"),
		},
		{
			name: "label out of range",
			change: func(files map[string][]byte) {
				l := tinyLabels(tinyTestN)
				l[2] = tinyClasses
				files["testLabels"] = idxBytes([]int{tinyTestN}, l)
			},
			check: wantDefect("tiny-test-labels.gz", "label out of range"),
		},
		{
			name:  "wrong image size",
			edit:  func(e *Entry) { e.Height = 5 },
			check: wantDefect("tiny-train-images.gz", "wrong dimensions for images: 4×3, want 5×3"),
		},
		{
			name:   "html page with catalog md5",
			change: func(files map[string][]byte) { files["testImages"] = []byte(htmlPage) },
			check:  wantDefect("tiny-test-images.gz", "HTML page"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := tinyFiles(t)
			if tc.change != nil {
				tc.change(files)
			}
			e := tinyEntry(files)
			if tc.edit != nil {
				tc.edit(&e)
			}
			dir := t.TempDir()
			writeFiles(t, dir, files)
			s, err := LoadDir(context.Background(), dir, e)
			if tc.check != nil {
				tc.check(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkTiny(t, s)
		})
	}
}

func wantChecksum(file, want string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var ce *ChecksumError
		if !errors.As(err, &ce) || filepath.Base(ce.File) != file || !strings.Contains(ce.Want, want) ||
			!strings.Contains(err.Error(), "corrupt or not the expected") {
			t.Errorf("err = %v, want a ChecksumError for %s wanting %q", err, file, want)
		}
	}
}

func wantDefect(file, defect string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var fe *FormatError
		if !errors.As(err, &fe) || filepath.Base(fe.File) != file || !strings.Contains(fe.Defect, defect) {
			t.Errorf("err = %v, want a FormatError for %s with %q", err, file, defect)
		}
	}
}

// checkTiny checks a Split loaded from tinyFiles.
func checkTiny(t *testing.T, s *Split) {
	t.Helper()
	for _, c := range []struct {
		d *Dataset
		n int
	}{{s.Train, tinyTrainN}, {s.Test, tinyTestN}} {
		d := c.d
		if d.N != c.n || d.Channels != 1 || d.Height != tinyH || d.Width != tinyW || d.Classes != tinyClasses ||
			d.SampleSize() != tinyH*tinyW || !slices.Equal(d.Images, tinyImages(c.n)) || !slices.Equal(d.Labels, tinyLabels(c.n)) {
			t.Errorf("%s: N=%d C=%d %d×%d classes=%d, or wrong data", d.Name, d.N, d.Channels, d.Height, d.Width, d.Classes)
		}
	}
}

// The shared folder holds the real MNIST beside the repository (also in CI).
func TestLoadMNISTShared(t *testing.T) {
	const dir = "../../shared/data/mnist"
	if _, err := os.Stat(dir); err != nil {
		prereq.Missing(t, "no shared MNIST: "+err.Error(), prereq.MNIST)
	}
	s, err := Load(context.Background(), MNIST, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		d          *Dataset
		n          int
		firstLabel uint8
	}{{s.Train, 60000, 5}, {s.Test, 10000, 7}} {
		d := c.d
		if d.N != c.n || d.Height != 28 || d.Width != 28 || d.Classes != 10 || len(d.Images) != c.n*784 || len(d.Labels) != c.n {
			t.Errorf("%s: N=%d %d×%d classes=%d", d.Name, d.N, d.Height, d.Width, d.Classes)
		}
		if d.Labels[0] != c.firstLabel {
			t.Errorf("%s: first label %d, want %d", d.Name, d.Labels[0], c.firstLabel)
		}
	}
}
