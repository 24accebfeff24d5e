package loader

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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

// Download fetches f from the first mirror (a base URL) that serves it with
// the right size and MD5, and atomically puts it at dir/f.Name. A File with
// Size 0 is verified by its MD5 alone (and capped at 2 GiB). Each try
// writes to a temporary file in dir that is removed on failure, so an
// interrupted transfer never leaves a file at the final path. timeout bounds
// each try (0: none). A nil client means http.DefaultClient. If every mirror
// fails, the error names each mirror's failure on one line. A failed
// download leaves no folder behind that it created and left empty.
func Download(ctx context.Context, client *http.Client, mirrors []string, dir string, f File, timeout time.Duration) (err error) {
	if client == nil {
		client = http.DefaultClient
	}
	if f.MD5 == "" {
		return errors.Errorf("download %s: the catalog has no md5 to verify it against", f.Name)
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
		detail, err := fetch(ctx, client, withSlash(m)+f.Name, dir, f, timeout)
		if err != nil {
			// Not a mirror's fault (cancelled, disk full): stop here.
			return err
		}
		if detail == "" {
			return nil
		}
		failed.attempts = append(failed.attempts, Attempt{Source: m, Detail: detail})
	}
	return failed
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

// fetch makes one try. It returns a non-empty detail when the mirror failed
// and the next should be tried, or an error when trying more is pointless.
func fetch(ctx context.Context, client *http.Client, url, dir string, f File, timeout time.Duration) (detail string, err error) {
	if err := ctx.Err(); err != nil {
		return "", errors.Wrapf(err, "download %s", f.Name)
	}
	tctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		tctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	// why describes a transport failure, telling our timeout from the
	// caller's cancellation.
	why := func(err error) (string, error) {
		if ctx.Err() != nil {
			return "", errors.Wrapf(ctx.Err(), "download %s", f.Name)
		}
		if tctx.Err() != nil {
			return "timeout after " + timeout.String(), nil
		}
		return oneLine(err.Error()), nil
	}

	req, err := http.NewRequestWithContext(tctx, http.MethodGet, url, nil)
	if err != nil {
		return "bad URL: " + oneLine(err.Error()), nil
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
		return fmt.Sprintf("HTTP %d", resp.StatusCode), nil
	}
	limit := f.Size
	if limit <= 0 {
		limit = maxUnsizedDownload
		if resp.ContentLength > limit {
			return fmt.Sprintf("size %d, over the limit of %d bytes", resp.ContentLength, limit), nil
		}
	} else if resp.ContentLength >= 0 && resp.ContentLength != f.Size {
		return fmt.Sprintf("size %d, want %d (an error page?)", resp.ContentLength, f.Size), nil
	}

	tmp, err := os.CreateTemp(dir, "."+f.Name+".part-*")
	if err != nil {
		return "", errors.Wrap(err, "create temporary download file")
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
	// One byte past the size is enough to tell an over-long body.
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if w.err != nil {
			return "", errors.Wrap(w.err, "write downloaded file")
		}
		d, err := why(err)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("cut off after %d bytes: %s", n, d), nil
	}
	if f.Size <= 0 && n > limit {
		return fmt.Sprintf("over the limit of %d bytes", limit), nil
	}
	if f.Size > 0 && n != f.Size {
		return fmt.Sprintf("size %d, want %d", n, f.Size), nil
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.MD5 {
		return fmt.Sprintf("md5 %s, want %s (an error page?)", got, f.MD5), nil
	}
	if err := tmp.Chmod(0o644); err != nil {
		return "", errors.Wrap(err, "chmod downloaded file")
	}
	if err := tmp.Sync(); err != nil {
		return "", errors.Wrap(err, "sync downloaded file")
	}
	if err := tmp.Close(); err != nil {
		return "", errors.Wrap(err, "close downloaded file")
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, f.Name)); err != nil {
		os.Remove(tmp.Name())
		return "", errors.Wrap(err, "move downloaded file into place")
	}
	done = true
	return "", nil
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
