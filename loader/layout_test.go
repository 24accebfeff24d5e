package loader

import (
	"context"
	"errors"
	"fmt"
	"github.com/gorgonia-zoo/zoo/internal/prereq"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tinySet is the four gzipped files of a small valid dataset of trainN and
// testN samples, keyed by role as tinyFiles'.
func tinySet(t testing.TB, trainN, testN int) map[string][]byte {
	return map[string][]byte{
		"trainImages": gzipBytes(t, idxBytes([]int{trainN, tinyH, tinyW}, tinyImages(trainN))),
		"trainLabels": gzipBytes(t, idxBytes([]int{trainN}, tinyLabels(trainN))),
		"testImages":  gzipBytes(t, idxBytes([]int{testN, tinyH, tinyW}, tinyImages(testN))),
		"testLabels":  gzipBytes(t, idxBytes([]int{testN}, tinyLabels(testN))),
	}
}

// twoDatasets are two tiny entries whose files have the same names (as
// MNIST's and Fashion-MNIST's do) but not the same content, made the whole
// catalog for the test; nothing is downloaded or found elsewhere.
type twoDatasets struct {
	a, b           Entry
	filesA, filesB map[string][]byte
}

func newTwoDatasets(t *testing.T) *twoDatasets {
	d := &twoDatasets{filesA: tinySet(t, 12, 5), filesB: tinySet(t, 8, 3)}
	d.a, d.b = tinyEntry(d.filesA), tinyEntry(d.filesB)
	d.a.Name, d.b.Name = "tiny-a", "tiny-b"
	withCatalog(t, &d.a, &d.b)
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv(DataEnv, "")
	t.Setenv(MirrorsEnv, "")
	return d
}

// withCatalog makes entries the catalog until the test ends.
func withCatalog(t *testing.T, entries ...*Entry) {
	old := catalog
	catalog = entries
	t.Cleanup(func() { catalog = old })
}

// A data folder may hold the files, or one folder per dataset named as the
// catalog names it (or, for entries that share one, as the cache does), by
// -data (Options.Dir) or $ZOO_DATA alike.
func TestDataRoot(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, d *twoDatasets, root string)
		// the folder each entry is found in, relative to the root ("." for
		// the root), or "" when it must fail with an error saying err
		// (NAME: the entry's name).
		wantA, wantB string
		err          string
	}{
		{
			name: "one folder per dataset",
			setup: func(t *testing.T, d *twoDatasets, root string) {
				writeFiles(t, filepath.Join(root, "tiny-a"), d.filesA)
				writeFiles(t, filepath.Join(root, "tiny-b"), d.filesB)
			},
			wantA: "tiny-a", wantB: "tiny-b",
		},
		{
			name: "the files themselves",
			setup: func(t *testing.T, d *twoDatasets, root string) {
				writeFiles(t, root, d.filesA)
			},
			wantA: ".",
			err:   "this is tiny-a's tiny-train-images.gz, not tiny-b's",
		},
		{
			name: "a dataset's folder beats files beside it",
			setup: func(t *testing.T, d *twoDatasets, root string) {
				writeFiles(t, root, d.filesA)
				writeFiles(t, filepath.Join(root, "tiny-b"), d.filesB)
			},
			wantA: ".", wantB: "tiny-b",
		},
		{
			name: "the shared folder of the cache",
			setup: func(t *testing.T, d *twoDatasets, root string) {
				d.a.CacheName, d.b.CacheName = "shared", "shared"
				// The same files under the same names would clash in one
				// folder: b's get their own names.
				for role := range d.filesB {
					name := "b-" + tinyNames[role]
					if err := os.MkdirAll(filepath.Join(root, "shared"), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(root, "shared", name), d.filesB[role], 0o644); err != nil {
						t.Fatal(err)
					}
				}
				for _, f := range []*File{&d.b.TrainImages, &d.b.TrainLabels, &d.b.TestImages, &d.b.TestLabels} {
					f.Name = "b-" + f.Name
				}
				writeFiles(t, filepath.Join(root, "shared"), d.filesA)
			},
			wantA: "shared", wantB: "shared",
		},
		{
			name: "its own name beats the shared one",
			setup: func(t *testing.T, d *twoDatasets, root string) {
				d.a.CacheName = "shared"
				writeFiles(t, filepath.Join(root, "shared"), d.filesB)
				writeFiles(t, filepath.Join(root, "tiny-a"), d.filesA)
			},
			wantA: "tiny-a",
			err:   "tiny-b: ", // tiny-b has no folder, and the root no files
		},
		{
			name: "a file named as the dataset is no folder",
			setup: func(t *testing.T, d *twoDatasets, root string) {
				writeFiles(t, root, d.filesA)
				if err := os.WriteFile(filepath.Join(root, "tiny-a"), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantA: ".",
			err:   "this is tiny-a's tiny-train-images.gz, not tiny-b's",
		},
		{
			name:  "nothing",
			setup: func(t *testing.T, d *twoDatasets, root string) {},
			err:   "(no NAME folder in it): open data file: ",
		},
	}
	for _, how := range []string{"-data", "$" + DataEnv} {
		for _, tc := range tests {
			t.Run(how+"/"+tc.name, func(t *testing.T) {
				d := newTwoDatasets(t)
				root := t.TempDir()
				tc.setup(t, d, root)
				opts := Options{CacheDir: filepath.Join(t.TempDir(), "cache"), NoDownload: true}
				if how == "-data" {
					opts.Dir = root
				} else {
					t.Setenv(DataEnv, root)
				}
				for _, c := range []struct {
					e    Entry
					want string
				}{{d.a, tc.wantA}, {d.b, tc.wantB}} {
					s, err := Load(context.Background(), c.e, opts)
					if c.want == "" {
						msg := strings.ReplaceAll(tc.err, "NAME", c.e.Name)
						if err == nil || !strings.Contains(err.Error(), msg) || strings.Contains(err.Error(), "\n") {
							t.Errorf("%s: err = %v, want one line saying %q", c.e.Name, err, msg)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s: %v", c.e.Name, err)
					}
					if want := map[string]int{"tiny-a": 12, "tiny-b": 8}[c.e.Name]; s.Train.N != want {
						t.Errorf("%s: %d training samples, want %d: the other dataset's files?", c.e.Name, s.Train.N, want)
					}
					dir, err := Locate(context.Background(), c.e, opts)
					if want := filepath.Join(root, c.want); err != nil || dir != want {
						t.Errorf("%s: Locate = %q, %v; want %s", c.e.Name, dir, err, want)
					}
				}
			})
		}
	}
}

// A file that fails its check but is another catalog file is named as
// such, once by MD5 however it failed.
func TestIdentifyWrongFile(t *testing.T) {
	tests := []struct {
		name string
		// put writes what the folder of want holds.
		put  func(t *testing.T, d *twoDatasets, dir string)
		want func(d *twoDatasets) Entry
		// the error, with DIR for the folder; "" for no identification.
		msg string
	}{
		{
			name: "another dataset's files",
			put:  func(t *testing.T, d *twoDatasets, dir string) { writeFiles(t, dir, d.filesA) },
			want: func(d *twoDatasets) Entry { return d.b },
			msg: "DIR/tiny-train-images.gz: %d bytes, want %d bytes: this is tiny-a's tiny-train-images.gz, not tiny-b's " +
				"(point -data or $ZOO_DATA at the tiny-b folder)",
		},
		{
			name: "another dataset's file of the same size",
			put: func(t *testing.T, d *twoDatasets, dir string) {
				writeFiles(t, dir, d.filesA)
				// tiny-b's training images, made the size of tiny-a's.
				d.b.TrainImages.Size = int64(len(d.filesA["trainImages"]))
				flipped := append([]byte(nil), d.filesA["trainImages"]...)
				flipped[len(flipped)/2] ^= 1
				d.b.TrainImages.MD5 = md5Hex(flipped)
			},
			want: func(d *twoDatasets) Entry { return d.b },
			msg: "DIR/tiny-train-images.gz: md5 %s, want md5 %s: this is tiny-a's tiny-train-images.gz, not tiny-b's " +
				"(point -data or $ZOO_DATA at the tiny-b folder)",
		},
		{
			name: "another dataset's file under another name",
			put: func(t *testing.T, d *twoDatasets, dir string) {
				writeFiles(t, dir, d.filesA)
				os.WriteFile(filepath.Join(dir, tinyNames["trainImages"]), d.filesA["testLabels"], 0o644)
			},
			want: func(d *twoDatasets) Entry { return d.b },
			msg: "DIR/tiny-train-images.gz: %d bytes, want %d bytes: this is tiny-a's tiny-test-labels.gz, not tiny-b's tiny-train-images.gz " +
				"(point -data or $ZOO_DATA at the tiny-b folder)",
		},
		{
			name: "the dataset's own files swapped",
			put: func(t *testing.T, d *twoDatasets, dir string) {
				writeFiles(t, dir, d.filesA)
				os.WriteFile(filepath.Join(dir, tinyNames["trainImages"]), d.filesA["testImages"], 0o644)
			},
			want: func(d *twoDatasets) Entry { return d.a },
			msg:  "DIR/tiny-train-images.gz: %d bytes, want %d bytes: this is tiny-a's tiny-test-images.gz, not tiny-train-images.gz",
		},
		{
			name: "a corrupt file",
			put: func(t *testing.T, d *twoDatasets, dir string) {
				writeFiles(t, dir, d.filesA)
				b := append([]byte(nil), d.filesA["trainImages"]...)
				b[len(b)/2] ^= 1
				os.WriteFile(filepath.Join(dir, tinyNames["trainImages"]), b, 0o644)
			},
			want: func(d *twoDatasets) Entry { return d.a },
		},
		{
			name: "a file of a catalog file's size, another content",
			put: func(t *testing.T, d *twoDatasets, dir string) {
				writeFiles(t, dir, d.filesB)
				os.WriteFile(filepath.Join(dir, tinyNames["trainImages"]), make([]byte, len(d.filesA["testImages"])), 0o644)
			},
			want: func(d *twoDatasets) Entry { return d.b },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newTwoDatasets(t)
			dir := t.TempDir()
			tc.put(t, d, dir)
			e := tc.want(d)
			_, err := Load(context.Background(), e, Options{Dir: dir, NoDownload: true})
			var ce *ChecksumError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a ChecksumError", err)
			}
			if tc.msg == "" {
				if ce.Is != nil || !strings.Contains(err.Error(), "the file is corrupt or not the expected one") {
					t.Errorf("err = %v, want no identification", err)
				}
				return
			}
			got, _ := os.ReadFile(ce.File)
			var want string
			if strings.Contains(tc.msg, "md5 %s") {
				want = fmt.Sprintf(tc.msg, md5Hex(got), e.TrainImages.MD5)
			} else {
				want = fmt.Sprintf(tc.msg, len(got), e.TrainImages.Size)
			}
			want = strings.ReplaceAll(want, "DIR", dir)
			if ce.Error() != want {
				t.Errorf("got  %s\nwant %s", ce.Error(), want)
			}
			if !strings.HasSuffix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %q, want one line ending in the ChecksumError", err)
			}
		})
	}
}

// A wrong file in a source that is not the user's (the module cache, the
// cache dir) is named in the line of that source.
func TestIdentifyInSearch(t *testing.T) {
	d := newTwoDatasets(t)
	d.b.ModulePath = ""
	cache := t.TempDir()
	writeFiles(t, cache, d.filesA)
	_, err := Load(context.Background(), d.b, Options{CacheDir: cache, NoDownload: true})
	want := fmt.Sprintf("cache dir (%s): tiny-train-images.gz: %d bytes, want %d bytes: this is tiny-a's tiny-train-images.gz, not tiny-b's; ",
		cache, len(d.filesA["trainImages"]), d.b.TrainImages.Size)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to say %q", err, want)
	}
}

// realMNIST returns a folder holding MNIST's four files: the shared copy,
// else the module cache's; or skips the test.
func realMNIST(t *testing.T) string {
	if _, err := os.Stat("../../shared/data/mnist"); err == nil {
		return "../../shared/data/mnist"
	}
	if os.Getenv("GOMODCACHE") == "" {
		if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
			t.Setenv("GOMODCACHE", strings.TrimSpace(string(out)))
		}
	}
	dir, err := moduleDir(MNIST)
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, MNIST.TrainImages.Name))
	}
	if err != nil {
		prereq.Missing(t, "no copy of MNIST: "+err.Error(), prereq.MNIST)
	}
	return dir
}

// The real catalog: MNIST's files where Fashion-MNIST's or KMNIST's are
// wanted are named as MNIST's; a root with an mnist folder serves MNIST.
func TestIdentifyMNIST(t *testing.T) {
	src, err := filepath.Abs(realMNIST(t))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, sub := range []string{"mnist", "fashion-mnist", "kmnist"} {
		if err := os.Mkdir(filepath.Join(root, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range MNIST.Files() {
			if err := os.Symlink(filepath.Join(src, f.Name), filepath.Join(root, sub, f.Name)); err != nil {
				t.Skipf("no symbolic links: %v", err)
			}
		}
	}
	t.Setenv(DataEnv, "")
	ctx := context.Background()
	if dir, err := Locate(ctx, MNIST, Options{Dir: root}); err != nil || dir != filepath.Join(root, "mnist") {
		t.Errorf("Locate(mnist) = %q, %v; want %s", dir, err, filepath.Join(root, "mnist"))
	}
	for _, e := range []Entry{FashionMNIST, KMNIST} {
		_, err := Load(ctx, e, Options{Dir: root})
		want := fmt.Sprintf("%s: data dir %s (its %s folder): %s: 9912422 bytes, want %d bytes: "+
			"this is mnist's train-images-idx3-ubyte.gz, not %s's (point -data or $ZOO_DATA at the %s folder)",
			e.Name, root, e.Name, filepath.Join(root, e.Name, "train-images-idx3-ubyte.gz"), e.TrainImages.Size, e.Name, e.Name)
		if err == nil || err.Error() != want {
			t.Errorf("got  %v\nwant %s", err, want)
		}
		var ce *ChecksumError
		if !errors.As(err, &ce) || ce.Is == nil || ce.Is.Dataset != "mnist" || ce.Is.File != MNIST.TrainImages || ce.Dataset != e.Name {
			t.Errorf("%s: ChecksumError %+v", e.Name, ce)
		}
	}
	// Every catalog file with an MD5 is one file: the identification
	// cannot name two.
	seen := map[string]string{}
	for _, c := range catalogFiles() {
		if prev, ok := seen[c.MD5]; ok {
			t.Errorf("%s's %s has the md5 of %s", c.Dataset, c.Name, prev)
		}
		seen[c.MD5] = c.Dataset + "'s " + c.Name
	}
}
