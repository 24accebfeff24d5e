package loader

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// allocated returns the bytes that f allocated, as runtime.MemStats counts
// them: what a load cost in memory, wherever it was freed.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// sparseFile writes head at path and extends the file to size bytes without
// writing them (a sparse file: a few KB on disk). It skips the test where the
// file system cannot.
func sparseFile(t *testing.T, path string, head []byte, size int64) {
	t.Helper()
	if err := os.WriteFile(path, head, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size); err != nil {
		t.Skip("no sparse files here:", err)
	}
}

// idxHead is the header of an unsigned-byte IDX file, without data.
func idxHead(dims ...int) []byte { return idxBytes(dims, nil) }

// zeroMember is a gzip member of 64 MiB of zeros, about 64 KB compressed.
var zeroMember = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(make([]byte, 64<<20))
	zw.Close()
	return buf.Bytes()
})

// gzipBomb returns a gzip file (of several members, as gzip allows) that
// inflates to head followed by 64 MiB of zeros times members: with 32
// members, 2 MB that inflate to 2 GiB.
func gzipBomb(t testing.TB, head []byte, members int) []byte {
	b := gzipBytes(t, head)
	for range members {
		b = append(b, zeroMember()...)
	}
	return b
}

// vouchedEntry is an entry of 28×28 images, 10 classes, whose four data
// files have no size or MD5: an archive vouches for them, as gzip.zip does
// for EMNIST's (it is needed only when a data file is missing).
func vouchedEntry() Entry {
	return Entry{
		Name:        "vouched",
		TrainImages: File{Name: "train-images"}, TrainLabels: File{Name: "train-labels"},
		TestImages: File{Name: "test-images"}, TestLabels: File{Name: "test-labels"},
		Channels: 1, Height: 28, Width: 28, Classes: 10,
		Archive: Archive{File: File{Name: "archive.zip", MD5: strings.Repeat("0", 32)}},
	}
}

// writeVouched writes the four files of vouchedEntry into dir: valid ones of
// n images where contents has no file.
func writeVouched(t *testing.T, dir string, n int, contents map[string][]byte) {
	t.Helper()
	e := vouchedEntry()
	valid := map[string][]byte{
		e.TrainImages.Name: idxBytes([]int{n, 28, 28}, ownImages(n, 28, 28)), e.TrainLabels.Name: idxBytes([]int{n}, labelsMod(n, 10)),
		e.TestImages.Name: idxBytes([]int{n, 28, 28}, ownImages(n, 28, 28)), e.TestLabels.Name: idxBytes([]int{n}, labelsMod(n, 10)),
	}
	for name, b := range valid {
		if c, ok := contents[name]; ok {
			b = c
		}
		if b != nil {
			writeFile(t, dir, name, b)
		}
	}
}

// A data file of 100 GiB (a few KB on disk) whose header looks valid fails at
// once, from its header and size, without its bytes being read.
func TestSparseFilesFailFast(t *testing.T) {
	const huge = 100 << 30
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) (load func() error) // writes the files
		check func(t *testing.T, err error)
	}{
		{
			name: "folder",
			setup: func(t *testing.T, dir string) func() error {
				ownFolder(t, dir, [4]string{"a", "b", "c", "d"}, valid())
				sparseFile(t, filepath.Join(dir, "a"), idxHead(60000, 28, 28), huge)
				return func() error {
					_, err := LoadFolder(context.Background(), Folder{Dir: dir, TrainImages: "a", TrainLabels: "b", TestImages: "c", TestLabels: "d"})
					return err
				}
			},
			check: wantDefect("a", "over-long data: the header declares 60000×28×28 (47040000 bytes of data after a 16-byte header), 47040016 bytes in all, but the file holds 107374182400"),
		},
		{
			name: "catalog file of known size",
			setup: func(t *testing.T, dir string) func() error {
				files := tinyFiles(t)
				writeFiles(t, dir, files)
				sparseFile(t, filepath.Join(dir, tinyNames["trainImages"]), idxHead(tinyTrainN, tinyH, tinyW), huge)
				return func() error { _, err := LoadDir(context.Background(), dir, tinyEntry(files)); return err }
			},
			check: wantChecksum("tiny-train-images.gz", "bytes"),
		},
		{
			name: "catalog file of no known size",
			setup: func(t *testing.T, dir string) func() error {
				writeVouched(t, dir, 3, nil)
				sparseFile(t, filepath.Join(dir, "test-images"), idxHead(3, 28, 28), huge)
				return func() error { _, err := LoadDir(context.Background(), dir, vouchedEntry()); return err }
			},
			check: wantDefect("test-images", "over-long data: the header declares 3×28×28"),
		},
		{
			name: "archive of no known size",
			setup: func(t *testing.T, dir string) func() error {
				writeVouched(t, dir, 3, map[string][]byte{"test-labels": nil}) // missing: to be extracted
				sparseFile(t, filepath.Join(dir, "archive.zip"), []byte("PK\x03\x04"), huge)
				return func() error { _, err := LoadDir(context.Background(), dir, vouchedEntry()); return err }
			},
			check: wantChecksum("archive.zip", "at most 2147483648 bytes"),
		},
		{
			name: "a gzip file that declares too much for its size",
			setup: func(t *testing.T, dir string) func() error {
				ownFolder(t, dir, mnistNames, valid())
				// 47 MB declared in a gzip file of a few dozen bytes.
				writeFile(t, dir, mnistNames[0], gzipBytes(t, idxHead(60000, 28, 28)))
				return func() error { _, err := LoadFolder(context.Background(), Folder{Dir: dir}); return err }
			},
			check: wantDefect(mnistNames[0], "impossible size: the header declares 60000×28×28"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var err error
			load := tc.setup(t, dir)
			got := allocated(func() { err = load() })
			if got > 4<<20 {
				t.Errorf("the load allocated %d bytes", got)
			}
			tc.check(t, err)
		})
	}
}

// Gzip bombs: a few MB that inflate to gigabytes are refused from their
// headers, or stopped right after what their header declares.
func TestGzipBombs(t *testing.T) {
	bomb := gzipBomb(t, idxHead(60000, 28, 28), 32) // 2 MB, 2 GiB inflated
	t.Logf("bomb: %d bytes", len(bomb))
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) (load func() error) // writes the files
		check func(t *testing.T, err error)
	}{
		{
			name: "count mismatch in a folder",
			setup: func(t *testing.T, dir string) func() error {
				ownFolder(t, dir, mnistNames, valid())
				writeFile(t, dir, mnistNames[0], bomb)
				writeFile(t, dir, mnistNames[1], gzipBytes(t, idxBytes([]int{10}, labelsMod(10, 10))))
				return func() error { _, err := LoadFolder(context.Background(), Folder{Dir: dir}); return err }
			},
			check: wantDefect(mnistNames[1], "image/label count mismatch: 10 labels for 60000 images in "+mnistNames[0]),
		},
		{
			name: "count mismatch in a catalog dir",
			setup: func(t *testing.T, dir string) func() error {
				writeVouched(t, dir, 10, map[string][]byte{"train-images": bomb})
				return func() error { _, err := LoadDir(context.Background(), dir, vouchedEntry()); return err }
			},
			check: wantDefect("train-labels", "image/label count mismatch: 10 labels for 60000 images in train-images"),
		},
		{
			name: "more data than declared",
			setup: func(t *testing.T, dir string) func() error {
				ownFolder(t, dir, mnistNames, valid())
				// 8 images of 5×7 declared, and 2 GiB more behind them.
				writeFile(t, dir, mnistNames[0], gzipBomb(t, idxBytes([]int{8, 5, 7}, ownImages(8, 5, 7)), 32))
				return func() error { _, err := LoadFolder(context.Background(), Folder{Dir: dir}); return err }
			},
			check: wantDefect(mnistNames[0], "over-long data: trailing bytes after 280 elements"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var err error
			load := tc.setup(t, dir)
			got := allocated(func() { err = load() })
			if got > 4<<20 {
				t.Errorf("allocated %d bytes for a gzip file that inflates to 2 GiB", got)
			}
			tc.check(t, err)
		})
	}
	_, _, _, _, err := ReadImages(writeTemp(t, gzipBytes(t, idxHead(60000, 28, 28))))
	wantDefect("f", "impossible size")(t, err)
}

// writeTemp writes b into a file "f" of a new temporary folder.
func writeTemp(t *testing.T, b []byte) string {
	dir := t.TempDir()
	writeFile(t, dir, "f", b)
	return filepath.Join(dir, "f")
}

func TestBudget(t *testing.T) {
	// valid(): 8×5×7 + 8 and 4×5×7 + 4 bytes.
	const folderNeed = 280 + 8 + 140 + 4
	folder := filepath.Join(t.TempDir(), "own")
	ownFolder(t, folder, mnistNames, valid())
	files := tinyFiles(t)
	tiny := t.TempDir()
	writeFiles(t, tiny, files)
	const tinyNeed = tinyTrainN*tinyH*tinyW + tinyTrainN + tinyTestN*tinyH*tinyW + tinyTestN
	cifar, cifarEntry := cifarTar(t)
	cifarDir := t.TempDir()
	writeFile(t, cifarDir, cifarEntry.Archive.Name, cifar)
	const cifarNeed = (5*cifarPerBatch + 2) * 3073
	// Batches of no known size, vouched for by the archive alone, are
	// bounded by their sizes on disk all the same.
	unsized := cifarEntry.clone()
	for _, b := range [][]File{unsized.TrainBatches, unsized.TestBatches} {
		for i := range b {
			b[i].Size = 0
		}
	}

	folderLoad := func(max int64) error {
		_, err := LoadFolder(context.Background(), Folder{Dir: folder, MaxBytes: max})
		return err
	}
	catalogLoad := func(dir string, e Entry) func(int64) error {
		return func(max int64) error {
			_, err := Load(context.Background(), e, Options{Dir: dir, MaxBytes: max})
			return err
		}
	}
	tests := []struct {
		name    string
		load    func(max int64) error
		dataset string
		need    int64
	}{
		{"folder", folderLoad, folder, folderNeed},
		{"catalog", catalogLoad(tiny, tinyEntry(files)), "tiny", tinyNeed},
		{"cifar", catalogLoad(cifarDir, cifarEntry), "cifar10", cifarNeed},
		{"cifar, batches of no known size", catalogLoad(cifarDir, unsized), "cifar10", cifarNeed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.load(tc.need - 1)
			var be *BudgetError
			if !errors.As(err, &be) || be.Need != tc.need || be.Budget != tc.need-1 || be.Dataset != tc.dataset {
				t.Fatalf("MaxBytes need-1: err = %v, want a BudgetError of %s needing %d", err, tc.dataset, tc.need)
			}
			for _, max := range []int64{tc.need, 0, -1} {
				if err := tc.load(max); err != nil {
					t.Errorf("MaxBytes %d: %v", max, err)
				}
			}
		})
	}
	// Over the budget, a source is not "unusable": the search stops there.
	w := newWorld(t)
	writeFiles(t, w.modDir, w.files)
	_, err := Load(context.Background(), w.entry, Options{CacheDir: w.cache, MaxBytes: 100})
	var be *BudgetError
	if !errors.As(err, &be) || w.requests.Load() != 0 {
		t.Errorf("over the budget in the module cache: %v after %d requests, want a BudgetError and none", err, w.requests.Load())
	}
	// EMNIST byclass, the largest in the catalog: 814255 images and labels.
	if need := int64(697932+116323) * (28*28 + 1); need > DefaultMaxBytes {
		t.Errorf("DefaultMaxBytes %d is below EMNIST byclass's %d", DefaultMaxBytes, need)
	}
}

func TestBudgetErrorMessage(t *testing.T) {
	tests := []struct {
		err  BudgetError
		want string
	}{
		{BudgetError{"mnist", 5_583_457_485, 4 << 30}, "mnist: its files declare 5.2 GiB of data, over the memory budget of 4.0 GiB"},
		{BudgetError{"own", 433, 432}, "own: its files declare 433 bytes of data, over the memory budget of 432 bytes"},
		{BudgetError{"own", 4<<30 + 1, 4 << 30}, "own: its files declare 4.0 GiB (4294967297 bytes) of data, over the memory budget of 4.0 GiB (4294967296 bytes)"},
		{BudgetError{"cifar10", 3 << 19, 1 << 20}, "cifar10: its files declare 1.5 MiB of data, over the memory budget of 1.0 MiB"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

// countdownCtx is cancelled at its nth check of Err (never if n is 0), and
// counts the checks. inputfile.WithContext checks once a read, so a load can
// be cancelled at a chosen point of its reading, deterministically.
type countdownCtx struct {
	context.Context // Background: no deadline, no values
	n               int64
	checks          atomic.Int64
	done            chan struct{}
	once            sync.Once
}

func newCountdown(n int64) *countdownCtx {
	return &countdownCtx{Context: context.Background(), n: n, done: make(chan struct{})}
}

func (c *countdownCtx) Done() <-chan struct{} { return c.done }

func (c *countdownCtx) Err() error {
	if k := c.checks.Add(1); c.n > 0 && k >= c.n {
		c.once.Do(func() { close(c.done) })
		return context.Canceled
	}
	return nil
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestCancelledBeforeLoading(t *testing.T) {
	folder := t.TempDir()
	ownFolder(t, folder, mnistNames, valid())
	files := tinyFiles(t)
	tiny := t.TempDir()
	writeFiles(t, tiny, files)
	zipped := emnistZip(t)
	emnist := withArchive(EMNISTDigits, zipped)
	emnistDir := t.TempDir()
	writeFile(t, emnistDir, "gzip.zip", zipped)
	expired, stop := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer stop()

	tests := []struct {
		name string
		run  func(ctx context.Context) error
		left []string // the files of the folder afterwards, if it is checked
	}{
		{"LoadFolder", func(ctx context.Context) error { _, err := LoadFolder(ctx, Folder{Dir: folder}); return err }, nil},
		{"LoadDir", func(ctx context.Context) error { _, err := LoadDir(ctx, tiny, tinyEntry(files)); return err }, nil},
		{"Load", func(ctx context.Context) error { _, err := Load(ctx, tinyEntry(files), Options{Dir: tiny}); return err }, nil},
		{"Locate", func(ctx context.Context) error {
			_, err := Locate(ctx, tinyEntry(files), Options{Dir: tiny})
			return err
		}, nil},
		{"LoadDir extracting", func(ctx context.Context) error { _, err := LoadDir(ctx, emnistDir, emnist); return err }, []string{"gzip.zip"}},
		{"Extract", func(ctx context.Context) error {
			return Extract(ctx, filepath.Join(emnistDir, "gzip.zip"), emnistDir, map[string]string{"gzip/emnist-digits-mapping.txt": "m.txt"}, 0)
		}, []string{"gzip.zip"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct {
				ctx  context.Context
				want error
			}{{cancelled(), context.Canceled}, {expired, context.DeadlineExceeded}} {
				err := tc.run(c.ctx)
				var fe *FormatError
				if !errors.Is(err, c.want) || errors.As(err, &fe) {
					t.Errorf("err = %v, want %v", err, c.want)
				}
				if tc.left != nil {
					if got := listTree(t, emnistDir); !slices.Equal(got, tc.left) {
						t.Errorf("files left: %v, want %v", got, tc.left)
					}
				}
			}
		})
	}
}

// Cancelled mid-way through a large file, a load stops at its next read.
func TestCancelledWhileLoading(t *testing.T) {
	folder := filepath.Join(t.TempDir(), "big")
	big := [4][]byte{
		idxBytes([]int{1000, 100, 100}, make([]byte, 1000*100*100)), idxBytes([]int{1000}, labelsMod(1000, 4)),
		idxBytes([]int{4, 100, 100}, make([]byte, 4*100*100)), idxBytes([]int{4}, labelsMod(4, 4)),
	}
	raw := [4]string{"a", "b", "c", "d"} // uncompressed, 10 MB: read in chunks of 4 MiB
	ownFolder(t, folder, raw, big)
	files := tinyFiles(t)
	tiny := t.TempDir()
	writeFiles(t, tiny, files)

	tests := []struct {
		name string
		load func(ctx context.Context) error
	}{
		{"LoadFolder", func(ctx context.Context) error {
			_, err := LoadFolder(ctx, Folder{Dir: folder, TrainImages: "a", TrainLabels: "b", TestImages: "c", TestLabels: "d"})
			return err
		}},
		{"LoadDir", func(ctx context.Context) error { _, err := LoadDir(ctx, tiny, tinyEntry(files)); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			whole := newCountdown(0)
			if err := tc.load(whole); err != nil {
				t.Fatal(err)
			}
			reads := whole.checks.Load()
			if reads < 4 {
				t.Fatalf("%d checks of the context for a whole load", reads)
			}
			for _, at := range []int64{1, reads / 2, reads - 1, reads} {
				ctx := newCountdown(at)
				err := tc.load(ctx)
				if !errors.Is(err, context.Canceled) {
					t.Errorf("cancelled at check %d of %d: err = %v, want context.Canceled", at, reads, err)
				}
				if got := ctx.checks.Load(); got != at {
					t.Errorf("cancelled at check %d of %d: %d checks, want no read after it", at, reads, got)
				}
			}
		})
	}
}

// A cancellation says nothing of the source being read: the search stops
// there, records no failure and tries no other source.
func TestResolverStopsAtCancellation(t *testing.T) {
	w := newWorld(t)
	writeFiles(t, w.modDir, w.files)
	whole := newCountdown(0)
	if _, err := Load(whole, w.entry, Options{CacheDir: w.cache}); err != nil {
		t.Fatal(err)
	}
	reads := whole.checks.Load()
	for _, ctx := range []context.Context{cancelled(), newCountdown(reads / 2), newCountdown(reads - 1)} {
		for _, call := range []string{"Load", "Locate"} {
			var logged []string
			opts := Options{CacheDir: w.cache, Logf: func(format string, args ...any) {
				logged = append(logged, fmt.Sprintf(format, args...))
			}}
			var err error
			if call == "Load" {
				_, err = Load(ctx, w.entry, opts)
			} else {
				_, err = Locate(ctx, w.entry, opts)
			}
			var nf *NotFoundError
			if !errors.Is(err, context.Canceled) || errors.As(err, &nf) {
				t.Errorf("%s: err = %v, want context.Canceled", call, err)
			}
			if len(logged) != 0 || w.requests.Load() != 0 {
				t.Errorf("%s: logged %q and made %d requests after the cancellation", call, logged, w.requests.Load())
			}
		}
	}
	if _, err := os.Lstat(w.cache); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the cache folder was made: %v", err)
	}
}
