package loader

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pkg/errors"
)

// downloadError is Download's failure on every mirror; Load turns its
// attempts into those of a NotFoundError.
type downloadError struct {
	file     string
	attempts []Attempt
}

func (e *downloadError) Error() string {
	if len(e.attempts) == 0 {
		return "download " + e.file + ": no mirrors"
	}
	parts := make([]string, len(e.attempts))
	for i, a := range e.attempts {
		parts[i] = a.Source + ": " + a.Detail
	}
	return fmt.Sprintf("download %s: every mirror failed: %s", e.file, strings.Join(parts, "; "))
}

// maxUnsizedDownload caps a download whose size the catalog does not know
// (f.Size 0: verified by MD5 only), so that a runaway body cannot fill the
// disk.
const maxUnsizedDownload = 2 << 30

// Download defaults.
const (
	// DefaultIdleTimeout is how long a download try may receive nothing
	// before it is given up.
	DefaultIdleTimeout = 30 * time.Second
	// DefaultRetries is how many more times a mirror is tried after a
	// transient failure.
	DefaultRetries = 3
	// defaultBackoff is the wait before the first retry; it doubles for
	// each next one, up to maxBackoff.
	defaultBackoff = time.Second
	maxBackoff     = time.Minute
	// progressEvery spaces the calls of a Progress function.
	progressEvery = 100 * time.Millisecond
)

// DownloadOptions tune Download; the zero value means the defaults.
type DownloadOptions struct {
	// IdleTimeout gives up a try that receives no bytes for this long,
	// from the request on; a transfer whose bytes keep coming, however
	// slowly, never times out. 0 means DefaultIdleTimeout, a negative
	// value none.
	IdleTimeout time.Duration
	// Retries is how many more times a mirror is tried after a transient
	// failure. 0 means DefaultRetries, a negative value none.
	Retries int
	// Backoff is the wait before the first retry, doubled before each next
	// one (up to a minute). 0 means one second.
	Backoff time.Duration
	// Progress, if set, is called as the bytes of a try arrive: with done
	// 0 when its body starts, then at most every 100 ms, and once more when
	// the whole body has arrived, with done == total. total is the size
	// the catalog gives or else the server's, -1 when neither is known.
	Progress func(file string, done, total int64)
	// Logf, if set, receives a line for every retry.
	Logf func(format string, args ...any)

	// afterFunc starts a try's idle watchdog; nil means time.AfterFunc.
	// Tests give a clock that moves only when they move it.
	afterFunc func(d time.Duration, f func()) watchdog
}

// watchdog is a try's idle timer: what fetch uses of a *time.Timer.
type watchdog interface {
	Reset(d time.Duration) bool
	Stop() bool
}

// timeAfterFunc is time.AfterFunc as a watchdog.
func timeAfterFunc(d time.Duration, f func()) watchdog { return time.AfterFunc(d, f) }

// Download fetches f from the first mirror (a base URL) that serves it with
// the right size and MD5, and atomically puts it at dir/f.Name. A File with
// Size 0 is verified by its MD5 alone (and capped at 2 GiB). Each try
// writes to a temporary file in dir that is removed on failure, so an
// interrupted transfer never leaves a file at the final path. A nil client
// means http.DefaultClient.
//
// A mirror is tried again, after a wait that doubles each time (see
// DownloadOptions), when a try fails in a way that may pass: no bytes for
// the idle timeout, a connection reset or cut off, HTTP 5xx, 408 or 429.
// Other failures move on to the next mirror at once: another HTTP status
// (404), a wrong size or MD5, a host that does not resolve or refuses the
// connection. ctx's cancellation, during a transfer or a wait, ends
// Download with an error for which errors.Is(err, ctx.Err()) holds.
//
// If every mirror fails, the error names each mirror's last failure (and
// its number of tries) on one line. A failed download leaves no folder
// behind that it created and left empty.
func Download(ctx context.Context, client *http.Client, mirrors []string, dir string, f File, opts DownloadOptions) (err error) {
	if client == nil {
		client = http.DefaultClient
	}
	if f.MD5 == "" {
		return errors.Errorf("download %s: the catalog has no md5 to verify it against", f.Name)
	}
	idle := opts.IdleTimeout
	if idle == 0 {
		idle = DefaultIdleTimeout
	}
	retries := opts.Retries
	if retries == 0 {
		retries = DefaultRetries
	}
	backoff := opts.Backoff
	if backoff <= 0 {
		backoff = defaultBackoff
	}
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	afterFunc := opts.afterFunc
	if afterFunc == nil {
		afterFunc = timeAfterFunc
	}
	created := missingAncestor(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrap(err, "create download dir")
	}
	if created != "" {
		defer func() {
			if err != nil {
				removeEmpty(dir, created)
			}
		}()
	}
	failed := &downloadError{file: f.Name}
	for _, m := range mirrors {
		var (
			res   tryResult
			tries int
			wait  = backoff
		)
		for {
			tries++
			res, err = fetch(ctx, client, withSlash(m)+f.Name, dir, f, idle, afterFunc, opts.Progress)
			if err != nil {
				// Not a mirror's fault (cancelled, disk full): stop here.
				return err
			}
			if res.detail == "" {
				return nil
			}
			if !res.transient || tries > retries {
				break
			}
			logf("%s: %s: %s; trying again in %s", f.Name, m, res.detail, wait)
			if err := sleep(ctx, wait); err != nil {
				return errors.Wrapf(err, "download %s", f.Name)
			}
			wait = min(2*wait, maxBackoff)
		}
		detail := res.detail
		if tries > 1 {
			detail += fmt.Sprintf(" (%d tries)", tries)
		}
		failed.attempts = append(failed.attempts, Attempt{Source: m, Detail: detail})
	}
	return failed
}

// sleep waits d, or less if ctx is done first, then returning its error.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// missingAncestor returns the outermost folder of dir's path that does not
// exist, dir itself included: the first that MkdirAll(dir) would create. It
// returns "" if dir exists.
func missingAncestor(dir string) string {
	top := ""
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			return top
		}
		top = d
		if filepath.Dir(d) == d {
			return top
		}
	}
}

// removeEmpty removes dir and its parents up to top while they are empty:
// os.Remove refuses a folder that is not.
func removeEmpty(dir, top string) {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if os.Remove(d) != nil || d == top {
			return
		}
	}
}

// tryResult is how one try failed: detail says how ("" for success), and
// transient whether trying the same mirror again may succeed.
type tryResult struct {
	detail    string
	transient bool
}

// fetch makes one try. It returns a failure to put in the mirror's record,
// or an error when trying more is pointless. idle > 0 gives the try up
// when no bytes arrive for that long, by a watchdog that afterFunc starts;
// progress may be nil.
func fetch(ctx context.Context, client *http.Client, url, dir string, f File, idle time.Duration,
	afterFunc func(time.Duration, func()) watchdog, progress func(file string, done, total int64)) (tryResult, error) {
	if err := ctx.Err(); err != nil {
		return tryResult{}, errors.Wrapf(err, "download %s", f.Name)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The watchdog is wound up again by every byte that arrives, so only
	// silence ends the try, never its length.
	var idled atomic.Bool
	touch := func() {}
	if idle > 0 {
		timer := afterFunc(idle, func() {
			idled.Store(true)
			cancel()
		})
		defer timer.Stop()
		touch = func() { timer.Reset(idle) }
	}
	fail := func(detail string, transient bool) (tryResult, error) {
		return tryResult{detail: detail, transient: transient}, nil
	}
	// why describes a transport failure, telling the idle timeout from the
	// caller's cancellation.
	why := func(err error) (tryResult, error) {
		if ctx.Err() != nil {
			return tryResult{}, errors.Wrapf(ctx.Err(), "download %s", f.Name)
		}
		if idled.Load() {
			return fail("no data for "+idle.String(), true)
		}
		return fail(oneLine(err.Error()), transientNetError(err))
	}

	req, err := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
	if err != nil {
		return fail("bad URL: "+oneLine(err.Error()), false)
	}
	// Asking for identity stops the transport from transparently gunzipping
	// a .gz served with Content-Encoding: gzip, which would spoil the md5.
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := client.Do(req)
	if err != nil {
		return why(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Sprintf("HTTP %d", resp.StatusCode), transientStatus(resp.StatusCode))
	}
	limit := f.Size
	if limit <= 0 {
		limit = maxUnsizedDownload
		if resp.ContentLength > limit {
			return fail(fmt.Sprintf("size %d, over the limit of %d bytes", resp.ContentLength, limit), false)
		}
	} else if resp.ContentLength >= 0 && resp.ContentLength != f.Size {
		return fail(fmt.Sprintf("size %d, want %d (an error page?)", resp.ContentLength, f.Size), false)
	}
	total := f.Size
	if total <= 0 {
		total = resp.ContentLength
	}

	tmp, err := os.CreateTemp(dir, "."+f.Name+".part-*")
	if err != nil {
		return tryResult{}, errors.Wrap(err, "create temporary download file")
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := md5.New()
	w := &writeRecorder{w: tmp}
	meter := newMeter(f.Name, total, progress)
	body := &watchedReader{r: resp.Body, touch: touch, meter: meter}
	// One byte past the size is enough to tell an over-long body.
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(body, limit+1))
	if err != nil {
		if w.err != nil {
			return tryResult{}, errors.Wrap(w.err, "write downloaded file")
		}
		res, err := why(err)
		if err != nil {
			return res, err
		}
		res.detail = fmt.Sprintf("cut off after %d bytes: %s", n, res.detail)
		// A body cut off midway is a transfer's mishap, whatever the cause.
		res.transient = true
		return res, nil
	}
	meter.end()
	if f.Size <= 0 && n > limit {
		return fail(fmt.Sprintf("over the limit of %d bytes", limit), false)
	}
	if f.Size > 0 && n != f.Size {
		return fail(fmt.Sprintf("size %d, want %d", n, f.Size), false)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.MD5 {
		return fail(fmt.Sprintf("md5 %s, want %s (an error page?)", got, f.MD5), false)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return tryResult{}, errors.Wrap(err, "chmod downloaded file")
	}
	if err := tmp.Sync(); err != nil {
		return tryResult{}, errors.Wrap(err, "sync downloaded file")
	}
	if err := tmp.Close(); err != nil {
		return tryResult{}, errors.Wrap(err, "close downloaded file")
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, f.Name)); err != nil {
		os.Remove(tmp.Name())
		return tryResult{}, errors.Wrap(err, "move downloaded file into place")
	}
	done = true
	return tryResult{}, nil
}

// transientStatus says whether an HTTP status may pass on a later try:
// server errors, a request timeout, too many requests.
func transientStatus(code int) bool {
	return code >= 500 || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests
}

// transientNetError says whether a failure to connect or to read may pass:
// every one but a host that does not resolve or that refuses the
// connection, where trying again only delays the next mirror.
func transientNetError(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return false
	}
	return !errors.Is(err, syscall.ECONNREFUSED)
}

// watchedReader reads a body, telling the idle watchdog and the progress
// meter of the bytes that arrive.
type watchedReader struct {
	r     io.Reader
	touch func()
	meter *meter
}

func (w *watchedReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 {
		w.touch()
		w.meter.add(n)
	}
	return n, err
}

// meter calls a Progress function for one try: at its start, at most once
// every progressEvery, and at its end.
type meter struct {
	file        string
	done, total int64
	fn          func(file string, done, total int64)
	now         func() time.Time
	last        time.Time
}

// newMeter starts a meter, calling fn with done 0; a nil fn makes a meter
// that does nothing.
func newMeter(file string, total int64, fn func(string, int64, int64)) *meter {
	m := &meter{file: file, total: total, fn: fn, now: time.Now}
	m.start()
	return m
}

func (m *meter) start() {
	if m.fn == nil {
		return
	}
	m.last = m.now()
	m.fn(m.file, 0, m.total)
}

func (m *meter) add(n int) {
	m.done += int64(n)
	if m.fn == nil {
		return
	}
	if now := m.now(); now.Sub(m.last) >= progressEvery {
		m.last = now
		m.fn(m.file, m.done, m.total)
	}
}

// end reports the whole body: done == total, whatever the size said.
func (m *meter) end() {
	if m.fn != nil {
		m.fn(m.file, m.done, m.done)
	}
}

// oneLine keeps multi-line transport errors from breaking one-line reports.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// writeRecorder tells a local write failure (disk full) from a network one,
// since only the latter is a reason to try the next mirror.
type writeRecorder struct {
	w   io.Writer
	err error
}

func (r *writeRecorder) Write(p []byte) (int, error) {
	n, err := r.w.Write(p)
	if err != nil {
		r.err = err
	}
	return n, err
}
