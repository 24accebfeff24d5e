package loader

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// upright is pixel (r, c) of generated image i as it should be seen:
// different along rows and columns, so a missing or extra transposition
// shows.
func upright(i, r, c int) byte { return byte(7*i + 29*r + c) }

// emnistIDX returns a split's four gzipped IDX files as EMNIST stores them:
// n 28×28 images each transposed, and labels first+i%span.
func emnistIDX(t testing.TB, split string, trainN, testN, first, span int) map[string][]byte {
	files := map[string][]byte{}
	for _, p := range []struct {
		part string
		n    int
	}{{"train", trainN}, {"test", testN}} {
		img := make([]byte, p.n*28*28)
		lbl := make([]byte, p.n)
		for i := range p.n {
			for a := range 28 {
				for b := range 28 {
					img[i*784+a*28+b] = upright(i, b, a) // stored transposed
				}
			}
			lbl[i] = byte(first + i%span)
		}
		prefix := "emnist-" + split + "-" + p.part + "-"
		files[prefix+"images-idx3-ubyte.gz"] = gzipBytes(t, idxBytes([]int{p.n, 28, 28}, img))
		files[prefix+"labels-idx1-ubyte.gz"] = gzipBytes(t, idxBytes([]int{p.n}, lbl))
	}
	return files
}

// emnistZip builds a small gzip.zip laid out as NIST's: a gzip/ folder with
// the balanced, digits and letters splits and their mapping files.
func emnistZip(t testing.TB, extra ...member) []byte {
	members := []member{{name: "gzip/", mode: fs.ModeDir | 0o755}}
	add := func(files map[string][]byte) {
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			members = append(members, member{name: "gzip/" + n, body: files[n]})
		}
	}
	add(emnistIDX(t, "balanced", 6, 4, 0, 47))
	add(emnistIDX(t, "digits", 5, 3, 0, 10))
	add(emnistIDX(t, "letters", 6, 4, 1, 26))
	for _, s := range []string{"balanced", "digits", "letters"} {
		members = append(members, member{name: "gzip/emnist-" + s + "-mapping.txt", body: []byte("0 48\n")})
	}
	return zipBytes(t, append(members, extra...))
}

// withArchive is e vouching for the generated archive b.
func withArchive(e Entry, b []byte) Entry {
	e = e.clone()
	e.Archive.Size, e.Archive.MD5 = int64(len(b)), md5Hex(b)
	return e
}

// cifarBatchBytes returns n CIFAR records: label (first+i)%10, then 3×32×32
// pixels, pixel k of record i being byte(i+k).
func cifarBatchBytes(first, n int) []byte {
	b := make([]byte, 0, n*3073)
	for i := range n {
		b = append(b, byte((first+i)%10))
		for k := range 3072 {
			b = append(b, byte(first+i+k))
		}
	}
	return b
}

const cifarPerBatch = 3

// cifarTar builds a small cifar-10-binary.tar.gz laid out as the real one,
// and the entry that vouches for it (batches of cifarPerBatch records).
func cifarTar(t testing.TB, extra ...member) ([]byte, Entry) {
	members := []member{{name: "cifar-10-batches-bin/", mode: fs.ModeDir | 0o755}}
	e := CIFAR10.clone()
	for i := range e.TrainBatches {
		e.TrainBatches[i].Size = cifarPerBatch * 3073
		members = append(members, member{name: "cifar-10-batches-bin/" + e.TrainBatches[i].Name, body: cifarBatchBytes(i*cifarPerBatch, cifarPerBatch)})
	}
	e.TestBatches[0].Size = 2 * 3073
	members = append(members,
		member{name: "cifar-10-batches-bin/test_batch.bin", body: cifarBatchBytes(100, 2)},
		member{name: "cifar-10-batches-bin/batches.meta.txt", body: []byte("airplane\n")},
		member{name: "cifar-10-batches-bin/readme.html", body: []byte("<html></html>")})
	b := tarGzBytes(t, append(members, extra...))
	return b, withArchive(e, b)
}

func writeFile(t testing.TB, dir, name string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadEMNIST(t *testing.T) {
	zipped := emnistZip(t)
	tests := []struct {
		name    string
		entry   Entry
		archive []byte
		setup   func(t *testing.T, dir string, e Entry)
		check   func(t *testing.T, err error)
		classes int
		first   uint8 // first training label
		stored  bool  // images as stored, not transposed back
		left    []string
	}{
		{name: "balanced", entry: EMNISTBalanced, archive: zipped, classes: 47},
		{name: "digits", entry: EMNISTDigits, archive: zipped, classes: 10},
		{name: "letters keep 1..26", entry: EMNISTLetters, archive: zipped, classes: 27, first: 1},
		{
			name: "as stored", archive: zipped, classes: 47, stored: true,
			entry: func() Entry { e := EMNISTBalanced.clone(); e.Transposed = false; return e }(),
		},
		{
			name: "damaged extraction is redone", entry: EMNISTBalanced, archive: zipped, classes: 47,
			setup: func(t *testing.T, dir string, e Entry) {
				if _, err := LoadDir(context.Background(), dir, e); err != nil {
					t.Fatal(err)
				}
				writeFile(t, dir, e.TestImages.Name, []byte("garbage"))
			},
		},
		{
			name: "catalog md5 refuses a generated archive", entry: EMNISTBalanced, archive: nil,
			setup: func(t *testing.T, dir string, e Entry) { writeFile(t, dir, "gzip.zip", zipped) },
			check: wantChecksum("gzip.zip", "md5 58c8d27c78d21e728a6bc7b3cc06412e"),
			left:  []string{"gzip.zip"},
		},
		{
			name: "no archive, no files", entry: EMNISTBalanced, archive: nil,
			check: func(t *testing.T, err error) {
				var pe *fs.PathError
				if !errors.As(err, &pe) || filepath.Base(pe.Path) != "gzip.zip" || !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("err = %v, want gzip.zip missing", err)
				}
			},
		},
		{
			name: "hostile archive", entry: EMNISTBalanced, archive: emnistZip(t, member{name: "gzip/../../evil", body: []byte("x")}),
			check: wantDefect("gzip.zip", `member "gzip/../../evil": a ".." element in the path (refused)`),
			left:  []string{"gzip.zip"},
		},
		{
			name: "label out of range", entry: EMNISTDigits, archive: func() []byte {
				bad := emnistIDX(t, "digits", 11, 3, 0, 11) // label 10 in 10 classes
				return zipBytes(t, []member{
					{name: "gzip/emnist-digits-train-images-idx3-ubyte.gz", body: bad["emnist-digits-train-images-idx3-ubyte.gz"]},
					{name: "gzip/emnist-digits-train-labels-idx1-ubyte.gz", body: bad["emnist-digits-train-labels-idx1-ubyte.gz"]},
					{name: "gzip/emnist-digits-test-images-idx3-ubyte.gz", body: bad["emnist-digits-test-images-idx3-ubyte.gz"]},
					{name: "gzip/emnist-digits-test-labels-idx1-ubyte.gz", body: bad["emnist-digits-test-labels-idx1-ubyte.gz"]},
				})
			}(),
			check: wantDefect("emnist-digits-train-labels-idx1-ubyte.gz", "label out of range: label[10] = 10, want < 10"),
			left: []string{"emnist-digits-test-images-idx3-ubyte.gz", "emnist-digits-test-labels-idx1-ubyte.gz",
				"emnist-digits-train-images-idx3-ubyte.gz", "emnist-digits-train-labels-idx1-ubyte.gz", "gzip.zip"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "emnist")
			e := tc.entry
			if tc.archive != nil {
				e = withArchive(e, tc.archive)
				writeFile(t, dir, "gzip.zip", tc.archive)
			} else if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(t, dir, e)
			}
			s, err := LoadDir(context.Background(), dir, e)
			if tc.check != nil {
				tc.check(t, err)
				if err == nil {
					t.Fatal("loaded")
				}
				if got := listTree(t, root); !slices.Equal(got, append([]string{"emnist"}, prefixAll("emnist/", tc.left)...)) {
					t.Errorf("files left: %v, want %v", got, tc.left)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []*Dataset{s.Train, s.Test} {
				if d.Name != e.Name || d.Classes != tc.classes || len(d.ClassNames) != tc.classes || d.Channels != 1 || d.Height != 28 || d.Width != 28 {
					t.Fatalf("%s/%s: %d classes (%d names), %d×%d×%d", d.Name, d.Part, d.Classes, len(d.ClassNames), d.Channels, d.Height, d.Width)
				}
				for i := range d.N {
					for r := range 28 {
						for c := range 28 {
							want := upright(i, r, c)
							if tc.stored {
								want = upright(i, c, r)
							}
							if got := d.Images[i*784+r*28+c]; got != want {
								t.Fatalf("%s: image %d pixel (%d,%d) = %d, want %d", d.Part, i, r, c, got, want)
							}
						}
					}
				}
			}
			if s.Train.Part != "train" || s.Test.Part != "test" || s.Train.Labels[0] != tc.first {
				t.Errorf("parts %q, %q; first label %d, want %d", s.Train.Part, s.Test.Part, s.Train.Labels[0], tc.first)
			}
			// Only the split's four files were extracted, beside the archive.
			want := []string{"emnist", "emnist/gzip.zip"}
			for _, f := range e.Files() {
				want = append(want, "emnist/"+f.Name)
			}
			slices.Sort(want)
			if got := listTree(t, root); !slices.Equal(got, want) {
				t.Errorf("files: %v, want %v", got, want)
			}
		})
	}
}

func prefixAll(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

func TestLoadCIFAR(t *testing.T) {
	tests := []struct {
		name  string
		make  func(t *testing.T) ([]byte, Entry)
		check func(t *testing.T, err error)
	}{
		{name: "valid", make: func(t *testing.T) ([]byte, Entry) { return cifarTar(t) }},
		{
			name: "label out of range",
			make: func(t *testing.T) ([]byte, Entry) {
				_, e := cifarTar(t)
				bad := cifarBatchBytes(100, 2)
				bad[3073] = 10
				members := []member{{name: "cifar-10-batches-bin/test_batch.bin", body: bad}}
				for i := range e.TrainBatches {
					members = append(members, member{name: "cifar-10-batches-bin/" + e.TrainBatches[i].Name, body: cifarBatchBytes(i*cifarPerBatch, cifarPerBatch)})
				}
				b := tarGzBytes(t, members)
				return b, withArchive(e, b)
			},
			check: wantDefect("test_batch.bin", "label out of range: record 1 has label 10, want < 10"),
		},
		{
			name: "partial record",
			make: func(t *testing.T) ([]byte, Entry) {
				_, e := cifarTar(t)
				e.TestBatches[0].Size = 0 // size unknown: the record count tells
				members := []member{{name: "cifar-10-batches-bin/test_batch.bin", body: cifarBatchBytes(100, 2)[:5000]}}
				for i := range e.TrainBatches {
					members = append(members, member{name: "cifar-10-batches-bin/" + e.TrainBatches[i].Name, body: cifarBatchBytes(i*cifarPerBatch, cifarPerBatch)})
				}
				b := tarGzBytes(t, members)
				return b, withArchive(e, b)
			},
			check: wantDefect("test_batch.bin", "5000 bytes is not a whole number of 3073-byte records"),
		},
		{
			name: "batch of the wrong size",
			make: func(t *testing.T) ([]byte, Entry) {
				b, e := cifarTar(t)
				e.TrainBatches[2].Size++
				return b, e
			},
			check: wantChecksum("data_batch_3.bin", "9220 bytes"),
		},
		{
			name: "symlinked batch",
			make: func(t *testing.T) ([]byte, Entry) {
				return cifarTar(t, member{name: "cifar-10-batches-bin/x", link: "/etc/passwd"})
			},
			check: wantDefect("cifar-10-binary.tar.gz", `member "cifar-10-batches-bin/x": a symbolic link to "/etc/passwd" (refused)`),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, e := tc.make(t)
			dir := t.TempDir()
			writeFile(t, dir, e.Archive.Name, b)
			s, err := LoadDir(context.Background(), dir, e)
			if tc.check != nil {
				tc.check(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tr, te := s.Train, s.Test
			if tr.N != 5*cifarPerBatch || te.N != 2 || tr.Name != "cifar10" || tr.SampleSize() != 3072 || tr.Classes != 10 || tr.ClassNames[0] != "airplane" {
				t.Fatalf("train %d, test %d, %s, sample %d, %d classes", tr.N, te.N, tr.Name, tr.SampleSize(), tr.Classes)
			}
			// Record i of the training set is record i%3 of batch i/3, as
			// generated: label i%10, pixel k = byte(i+k), channel planes
			// in order.
			for i := range tr.N {
				if tr.Labels[i] != byte(i%10) || tr.Images[i*3072+1024+5] != byte(i+1024+5) {
					t.Fatalf("train record %d: label %d, a green pixel %d", i, tr.Labels[i], tr.Images[i*3072+1024+5])
				}
			}
			if te.Labels[1] != 1 || te.Images[3072+7] != byte(101+7) {
				t.Errorf("test record 1: label %d, pixel %d", te.Labels[1], te.Images[3072+7])
			}
			if dir2, err := Locate(context.Background(), e, Options{Dir: dir}); err != nil || dir2 != dir {
				t.Errorf("Locate = %q, %v", dir2, err)
			}
		})
	}
}

// servedCatalog is a mirror serving generated files for every name: bodies
// of the catalog's size where that is small enough (so the md5 tells),
// else a few bytes.
func servedCatalog(t *testing.T, e Entry, requests *atomic.Int32) string {
	sizes := map[string]int64{}
	for _, f := range e.Downloads() {
		sizes[f.Name] = f.Size
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		size, ok := sizes[path.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if size <= 0 || size > 32<<20 {
			size = 1000
		}
		w.Write(bytes.Repeat([]byte{'z'}, int(size)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// Every catalog entry, pointed at a mirror of generated files, fails
// cleanly: a one-line NotFoundError with the mirror's md5 (or size)
// mismatch, and nothing left behind, not even the cache folder.
func TestCatalogDownloadsVerify(t *testing.T) {
	for _, e := range Datasets() {
		t.Run(e.Name, func(t *testing.T) {
			var requests atomic.Int32
			t.Setenv(MirrorsEnv, servedCatalog(t, e, &requests))
			t.Setenv(DataEnv, "")
			t.Setenv("GOMODCACHE", t.TempDir())
			cache := filepath.Join(t.TempDir(), "cache")
			_, err := Load(context.Background(), e, Options{CacheDir: cache, Logf: t.Logf})
			var nf *NotFoundError
			if !errors.As(err, &nf) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want a one-line NotFoundError", err)
			}
			first := e.Downloads()[0]
			want := "md5 "
			if first.Size > 32<<20 {
				want = "size 1000, want"
			}
			if !strings.Contains(err.Error(), first.Name+": "+want) || !strings.Contains(err.Error(), "put "+e.need()) {
				t.Errorf("err = %q, want %s refused for its %q and a hint naming %s", err, first.Name, want, e.need())
			}
			// The failed download created the cache folder: it is gone.
			if _, err := os.Lstat(cache); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the cache folder is left behind (%v): %v", err, listTree(t, cache))
			}
			if requests.Load() != 1 {
				t.Errorf("%d requests, want 1", requests.Load())
			}
		})
	}
}

// archiveWorld serves archive b at /NAME and counts requests; the user
// cache dir is a fresh folder.
func archiveWorld(t *testing.T, name string, b []byte) (requests *atomic.Int32, cacheRoot string) {
	requests = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if path.Base(r.URL.Path) != name {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	t.Setenv(MirrorsEnv, srv.URL)
	t.Setenv(DataEnv, "")
	cacheRoot = t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cacheRoot)
	t.Setenv("HOME", cacheRoot) // for systems whose cache dir derives from it
	return requests, cacheRoot
}

// Downloads of an archive: verified, extracted into the cache folder, and
// shared by entries with the same CacheName (EMNIST's splits).
func TestArchiveDownload(t *testing.T) {
	zipped := emnistZip(t)
	requests, root := archiveWorld(t, "gzip.zip", zipped)
	ctx := context.Background()
	for _, e := range []Entry{EMNISTBalanced, EMNISTLetters, EMNISTBalanced, EMNISTDigits} {
		s, err := Load(ctx, withArchive(e, zipped), Options{Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		if s.Train.Name != e.Name || s.Train.Classes != e.Classes {
			t.Errorf("%s: loaded %s with %d classes", e.Name, s.Train.Name, s.Train.Classes)
		}
	}
	if requests.Load() != 1 {
		t.Errorf("%d requests for four loads of three splits, want 1", requests.Load())
	}
	base, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "gorgonia-zoo", "emnist")
	if _, err := os.Stat(filepath.Join(dir, "emnist-letters-test-images-idx3-ubyte.gz")); err != nil || !strings.HasPrefix(dir, root) {
		t.Errorf("no shared emnist folder in the cache: %v", err)
	}
	if got, err := Locate(ctx, withArchive(EMNISTDigits, zipped), Options{}); err != nil || got != dir {
		t.Errorf("Locate = %q, %v; want %s", got, err, dir)
	}

	// A hostile archive that the catalog would vouch for: refused, nothing
	// extracted, nothing written outside the cache folder.
	tarred, e := cifarTar(t, member{name: "../../../outside.bin", body: []byte("x")})
	requests, root = archiveWorld(t, e.Archive.Name, tarred)
	_, err = Load(ctx, e, Options{Logf: t.Logf})
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), `cifar-10-binary.tar.gz: member "../../../outside.bin": a ".." element in the path (refused)`) {
		t.Errorf("err = %v, want the hostile member named", err)
	}
	var all []string
	for _, p := range listTree(t, root) {
		if !strings.HasSuffix(p, "/") && strings.HasSuffix(p, ".bin") {
			all = append(all, p)
		}
	}
	if len(all) != 0 || requests.Load() != 1 {
		t.Errorf("extracted %v after %d requests", all, requests.Load())
	}
}
