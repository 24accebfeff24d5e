//go:build unix

package loader

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorgonia-zoo/zoo/internal/inputfile"
)

// A FIFO or a link to /dev/zero given as a data file or an archive is
// refused at once, with an error naming it and saying what it is. Reading
// either would never end: a FIFO that no one writes to blocks, /dev/zero
// never runs dry.
func TestSpecialFilesRefused(t *testing.T) {
	kinds := []struct {
		name, says string
		make       func(t *testing.T, path string)
	}{
		{"fifo", "a named pipe (FIFO), not a regular file", func(t *testing.T, path string) {
			os.Remove(path)
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"link to /dev/zero", "a character device, not a regular file", func(t *testing.T, path string) {
			os.Remove(path)
			if err := os.Symlink("/dev/zero", path); err != nil {
				t.Skip("no symbolic links:", err)
			}
		}},
	}
	type place struct {
		name string
		// setup writes a dataset into dir and returns the file to replace
		// and the load to try.
		setup func(t *testing.T, dir string) (string, func(ctx context.Context) error)
	}
	places := []place{
		{"folder data file", func(t *testing.T, dir string) (string, func(ctx context.Context) error) {
			ownFolder(t, dir, mnistNames, valid())
			return mnistNames[3], func(ctx context.Context) error { _, err := LoadFolder(ctx, Folder{Dir: dir}); return err }
		}},
		{"catalog data file", func(t *testing.T, dir string) (string, func(ctx context.Context) error) {
			files := tinyFiles(t)
			writeFiles(t, dir, files)
			return tinyNames["trainLabels"], func(ctx context.Context) error { _, err := LoadDir(ctx, dir, tinyEntry(files)); return err }
		}},
		{"catalog data file, through Load", func(t *testing.T, dir string) (string, func(ctx context.Context) error) {
			files := tinyFiles(t)
			writeFiles(t, dir, files)
			return tinyNames["testImages"], func(ctx context.Context) error {
				_, err := Load(ctx, tinyEntry(files), Options{Dir: dir})
				return err
			}
		}},
		{"catalog data file, through Locate", func(t *testing.T, dir string) (string, func(ctx context.Context) error) {
			files := tinyFiles(t)
			writeFiles(t, dir, files)
			return tinyNames["testLabels"], func(ctx context.Context) error {
				_, err := Locate(ctx, tinyEntry(files), Options{Dir: dir})
				return err
			}
		}},
		{"file vouched for by an archive", func(t *testing.T, dir string) (string, func(ctx context.Context) error) {
			writeVouched(t, dir, 3, nil)
			return "train-images", func(ctx context.Context) error { _, err := LoadDir(ctx, dir, vouchedEntry()); return err }
		}},
		{"archive", func(t *testing.T, dir string) (string, func(ctx context.Context) error) {
			zipped := emnistZip(t)
			writeFile(t, dir, "gzip.zip", zipped)
			e := withArchive(EMNISTDigits, zipped)
			return "gzip.zip", func(ctx context.Context) error { _, err := LoadDir(ctx, dir, e); return err }
		}},
		{"archive given to Extract", func(t *testing.T, dir string) (string, func(ctx context.Context) error) {
			writeFile(t, dir, "a.zip", zipBytes(t, []member{{name: "a", body: []byte("x")}}))
			return "a.zip", func(ctx context.Context) error {
				return Extract(ctx, filepath.Join(dir, "a.zip"), dir, map[string]string{"a": "a"}, 0)
			}
		}},
		{"file given to ReadImages", func(t *testing.T, dir string) (string, func(ctx context.Context) error) {
			writeFile(t, dir, "images", idxBytes([]int{1, 1, 1}, []byte{1}))
			return "images", func(ctx context.Context) error {
				_, _, _, _, err := ReadImages(filepath.Join(dir, "images"))
				return err
			}
		}},
	}
	for _, k := range kinds {
		for _, p := range places {
			t.Run(k.name+"/"+p.name, func(t *testing.T) {
				dir := t.TempDir()
				name, load := p.setup(t, dir)
				path := filepath.Join(dir, name)
				k.make(t, path)
				errc := make(chan error, 1)
				go func() { errc <- load(context.Background()) }()
				var err error
				select {
				case err = <-errc:
				case <-time.After(10 * time.Second): // a hang guard, not a measure
					t.Fatalf("still loading after 10 s: %s blocked it", name)
				}
				var nr *inputfile.NotRegularError
				if !errors.As(err, &nr) || nr.Path != path || !strings.Contains(err.Error(), path+": "+k.says) {
					t.Errorf("err = %v, want %s refused as %s", err, path, k.says)
				}
			})
		}
	}
}

// The resolver takes a special file for a defect of its source, tells it
// in a few words and moves on.
func TestResolverDescribesSpecialFiles(t *testing.T) {
	w := newWorld(t)
	writeFiles(t, w.modDir, w.files)
	fifo := filepath.Join(w.modDir, tinyNames["testLabels"])
	os.Remove(fifo)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := Load(context.Background(), w.entry, Options{CacheDir: w.cache, NoDownload: true})
		errc <- err
	}()
	select {
	case err := <-errc:
		wantNotFound("module cache ("+w.modDir+"): tiny-test-labels.gz: a named pipe (FIFO), not a regular file; ")(t, err)
	case <-time.After(10 * time.Second): // a hang guard, not a measure
		t.Fatal("still loading after 10 s: the FIFO blocked it")
	}
}
