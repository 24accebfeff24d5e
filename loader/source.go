package loader

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gorgonia-zoo/zoo/internal/inputfile"
	"github.com/pkg/errors"
)

// DataEnv names the environment variable that points at a folder holding a
// dataset's files; like Options.Dir, it is then the only place looked at.
const DataEnv = "ZOO_DATA"

// defaultTimeout bounds each file's download when Options.Timeout is zero.
const defaultTimeout = 2 * time.Minute

// Options say where Load and Locate may find or fetch a dataset's files.
type Options struct {
	// Dir, if set, is the only folder used (the -data DIR flag): missing or
	// bad files there are an error, never a reason to look elsewhere.
	Dir string
	// CacheDir is where downloads go; default: the user's cache dir +
	// "gorgonia-zoo/<entry name>" (EMNIST's splits share "emnist").
	CacheDir string
	// Client makes the downloads; nil means http.DefaultClient.
	Client *http.Client
	// Timeout bounds each file's download; zero means 2 minutes.
	Timeout time.Duration
	// NoDownload forbids downloading.
	NoDownload bool
	// Logf, if set, receives a line for every source tried.
	Logf func(format string, args ...any)
	// MaxBytes is the memory budget of Load: the most data that the
	// dataset's files may declare in all (see LoadDir). 0 means
	// DefaultMaxBytes; a negative value means no limit.
	MaxBytes int64
}

// Attempt records what one source did when looking for a dataset.
type Attempt struct {
	Source string // e.g. "module cache (/root/go/pkg/mod/...)" or a mirror URL
	Detail string // e.g. "not present", "HTTP 404"
}

// NotFoundError reports that no source had a usable copy of a dataset, with
// what each source did.
type NotFoundError struct {
	Dataset  string
	Attempts []Attempt
	// Need says what a folder must hold, e.g. "gzip.zip (or the files
	// extracted from it)"; empty means "the four files".
	Need string
}

// Error is one line: each attempt, then how to point at local files.
func (e *NotFoundError) Error() string {
	var b strings.Builder
	b.WriteString(e.Dataset + ": no usable copy: ")
	for _, a := range e.Attempts {
		b.WriteString(oneLine(a.Source) + ": " + oneLine(a.Detail) + "; ")
	}
	need := e.Need
	if need == "" {
		need = "the four files"
	}
	b.WriteString("put " + need + " in a folder and pass -data DIR or set " + DataEnv)
	return b.String()
}

// Load finds entry e's files and loads them, trying in turn: opts.Dir alone
// if set; else $ZOO_DATA alone if set; else the Go module cache copy, the
// cache dir, and a download into the cache dir. Every file is verified
// against the catalog's size and MD5; an entry's archive is verified before
// its data files are extracted from it (see LoadDir). If no source works the
// error is a *NotFoundError.
//
// Headers are checked before any data is read, and what they declare
// against opts.MaxBytes: over it, the error is a *BudgetError, whichever
// source it came from, and no other source is tried. ctx's cancellation
// stops the search and every read and download, with an error for which
// errors.Is(err, ctx.Err()) holds.
func Load(ctx context.Context, e Entry, opts Options) (*Split, error) {
	var split *Split
	_, err := resolve(ctx, e, opts, func(dir string) error {
		s, err := loadDir(ctx, dir, e, opts.MaxBytes)
		split = s
		return err
	})
	if err != nil {
		return nil, err
	}
	return split, nil
}

// Locate is Load without parsing: it returns the folder, found as Load
// would, whose data files all have the catalog's size and MD5 (for files
// extracted from an archive, the size when the catalog knows it). Data files
// missing beside a verified archive are extracted first. Data files must be
// regular files; ctx's cancellation stops the search as it does Load's.
func Locate(ctx context.Context, e Entry, opts Options) (dir string, err error) {
	return resolve(ctx, e, opts, func(dir string) error {
		if _, err := prepareDir(ctx, dir, e); err != nil {
			return err
		}
		for _, f := range e.Files() {
			if err := checkDataFile(ctx, dir, f, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// resolve walks the sources in order and returns the first folder that use
// accepts. A source that fails for ctx's cancellation, or with a
// *BudgetError, ends the search: neither says anything of the source.
func resolve(ctx context.Context, e Entry, opts Options, use func(dir string) error) (string, error) {
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	// A folder the user named is used alone: falling back would hide that
	// the files they pointed at are wrong.
	// wrap says where err happened; a *BudgetError names the dataset
	// itself.
	wrap := func(err error, where string) error {
		var be *BudgetError
		if errors.As(err, &be) {
			return errors.Wrap(err, where)
		}
		return errors.Wrapf(err, "%s: %s", e.Name, where)
	}
	if opts.Dir != "" {
		if err := use(opts.Dir); err != nil {
			return "", wrap(err, "data dir "+opts.Dir)
		}
		return opts.Dir, nil
	}
	if env := os.Getenv(DataEnv); env != "" {
		if err := use(env); err != nil {
			return "", wrap(err, "$"+DataEnv+"="+env)
		}
		return env, nil
	}

	nf := &NotFoundError{Dataset: e.Name}
	if need := e.need(); need != "the four files" {
		nf.Need = need
	}
	record := func(source, detail string) {
		logf("%s: %s: %s", e.Name, source, detail)
		nf.Attempts = append(nf.Attempts, Attempt{Source: source, Detail: detail})
	}
	// try returns dir if it is usable, "" if not; an error ends the search.
	try := func(source, dir string) (string, error) {
		if err := ctx.Err(); err != nil {
			return "", errors.Wrapf(err, "%s", e.Name)
		}
		if _, err := os.Stat(dir); err != nil {
			record(source, "not present")
			return "", nil
		}
		err := use(dir)
		var be *BudgetError
		switch {
		case err == nil:
			logf("%s: using %s", e.Name, dir)
			return dir, nil
		case ctx.Err() != nil:
			return "", errors.Wrapf(ctx.Err(), "%s: %s", e.Name, source)
		case errors.As(err, &be):
			return "", errors.Wrapf(err, "%s", source)
		}
		record(source, describe(err))
		return "", nil
	}

	if e.ModulePath != "" {
		dir, err := moduleDir(e)
		if err != nil {
			record("module cache", oneLine(err.Error()))
		} else if got, err := try("module cache ("+dir+")", dir); got != "" || err != nil {
			return got, err
		}
	}

	cache := opts.CacheDir
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			record("cache dir", "unavailable: "+oneLine(err.Error()))
			return "", nf
		}
		cache = filepath.Join(base, "gorgonia-zoo", e.cacheName())
	}
	if got, err := try("cache dir ("+cache+")", cache); got != "" || err != nil {
		return got, err
	}

	if opts.NoDownload {
		record("download", "disabled")
		return "", nf
	}
	mirrors := e.MirrorList()
	if len(mirrors) == 0 {
		record("download", "no mirrors")
		return "", nf
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	for _, f := range e.Downloads() {
		// Good files already in the cache are kept; only the rest is fetched.
		if verifyFile(ctx, cache, f) == nil {
			continue
		}
		logf("%s: downloading %s into %s", e.Name, f.Name, cache)
		if err := Download(ctx, opts.Client, mirrors, cache, f, timeout); err != nil {
			var de *downloadError
			if !errors.As(err, &de) {
				return "", errors.Wrapf(err, "%s", e.Name)
			}
			for _, a := range de.attempts {
				record(a.Source, f.Name+": "+a.Detail)
			}
			return "", nf
		}
	}
	if got, err := try("downloaded copy ("+cache+")", cache); got != "" || err != nil {
		return got, err
	}
	return "", nf
}

// describe says in a few words why a folder was not usable.
func describe(err error) string {
	var (
		pe *fs.PathError
		ce *ChecksumError
		fe *FormatError
		nr *inputfile.NotRegularError
	)
	switch {
	case errors.As(err, &nr):
		return filepath.Base(nr.Path) + ": " + inputfile.Kind(nr.Mode) + ", not a regular file"
	case errors.Is(err, fs.ErrNotExist) && errors.As(err, &pe):
		return filepath.Base(pe.Path) + " missing"
	case errors.As(err, &ce):
		return filepath.Base(ce.File) + ": " + ce.Got + ", want " + ce.Want + " (corrupt or not the expected file)"
	case errors.As(err, &fe):
		return filepath.Base(fe.File) + ": " + oneLine(fe.Defect)
	}
	return oneLine(err.Error())
}

// moduleDir is where the Go module cache keeps the folder of e's module: the
// version is the one this binary was built with, else the catalog's.
func moduleDir(e Entry) (string, error) {
	path, version := e.ModulePath, e.ModuleVersion
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path != path {
				continue
			}
			if r := d.Replace; r != nil {
				if r.Version == "" {
					// Replaced by a local folder: only an absolute one is
					// usable without knowing where the build happened.
					if filepath.IsAbs(r.Path) {
						return filepath.Join(r.Path, e.ModuleDir), nil
					}
					break
				}
				d = r
			}
			path, version = d.Path, d.Version
			break
		}
	}
	root, err := moduleCacheRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, escapeModulePath(path)+"@"+escapeModulePath(version), e.ModuleDir), nil
}

// moduleCacheRoot follows the go command: $GOMODCACHE, else the first
// $GOPATH entry + /pkg/mod, else $HOME/go/pkg/mod.
func moduleCacheRoot() (string, error) {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d, nil
	}
	if list := filepath.SplitList(os.Getenv("GOPATH")); len(list) > 0 && list[0] != "" {
		return filepath.Join(list[0], "pkg", "mod"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.Wrap(err, "find the module cache")
	}
	return filepath.Join(home, "go", "pkg", "mod"), nil
}

// escapeModulePath escapes a module path or version as the module cache
// does (golang.org/x/mod/module.EscapePath): each capital letter becomes "!"
// and its lowercase, so that case-insensitive file systems stay unambiguous.
func escapeModulePath(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
