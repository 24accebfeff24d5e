package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// mirror starts a test server behaving as kind for every request:
// "ok" serves body, "gzipenc" serves it as Content-Encoding gzip, "404" fails, "html200" serves an HTML page of the right
// size (so only the md5 tells), "short200" a shorter page without a length,
// "cutoff" announces the full length but hangs up midway, "stall" never
// answers until the test ends (with a clock, it moves the clock on by
// quick's idle timeout when a request arrives), "503" is a server error. It
// returns the server's base URL and its count of requests.
func mirror(t *testing.T, kind string, body []byte, clock *fakeClock) (string, *atomic.Int32) {
	stop := make(chan struct{})
	requests := new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch kind {
		case "ok":
			w.Write(body)
		case "gzipenc":
			// A misconfigured server labelling the .gz as transfer-encoded.
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(body)
		case "404":
			http.NotFound(w, r)
		case "503":
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case "html200":
			page := []byte(htmlPage)
			page = append(page, bytes.Repeat([]byte(" "), len(body)-len(page))...)
			w.Write(page)
		case "short200":
			w.Write([]byte(htmlPage))
			w.(http.Flusher).Flush() // chunked: no Content-Length to reject early
		case "cutoff":
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(body))
			buf.Write(body[:len(body)/2])
			buf.Flush()
			conn.Close()
		case "stall":
			if clock != nil {
				clock.advance(quick.IdleTimeout)
			}
			select {
			case <-stop:
			case <-r.Context().Done():
			}
		}
	}))
	// Cleanups run last-in first-out: unblock stalled handlers, then close.
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	return srv.URL + "/" + kind + "/", requests
}

// quick are download options for tests: a short idle timeout, two retries
// and almost no wait between tries.
var quick = DownloadOptions{IdleTimeout: 200 * time.Millisecond, Retries: 2, Backoff: time.Millisecond}

func TestDownload(t *testing.T) {
	body := gzipBytes(t, idxBytes([]int{100, tinyH, tinyW}, tinyImages(100)))
	if len(body) < len(htmlPage) {
		t.Fatal("body too small to impersonate with an HTML page")
	}
	f := File{Name: "images.gz", Size: int64(len(body)), MD5: md5Hex(body)}
	// A port where nothing listens: a server's, once closed.
	closed := httptest.NewServer(http.NotFoundHandler())
	refused := closed.URL + "/refused/"
	closed.Close()
	tests := []struct {
		name     string
		mirrors  []string
		wantErr  []string         // substrings of the error; nil for success
		requests map[string]int32 // requests each mirror gets
	}{
		{"ok", []string{"ok"}, nil, map[string]int32{"ok": 1}},
		{"404 then ok", []string{"404", "ok"}, nil, map[string]int32{"404": 1, "ok": 1}},
		{"served with Content-Encoding gzip", []string{"gzipenc"}, nil, nil},
		{"html 200 then ok", []string{"html200", "ok"}, nil, map[string]int32{"html200": 1, "ok": 1}},
		{"short page then ok", []string{"short200", "ok"}, nil, map[string]int32{"short200": 1, "ok": 1}},
		{"cut off then ok", []string{"cutoff", "ok"}, nil, map[string]int32{"cutoff": 3, "ok": 1}},
		{"stall then ok", []string{"stall", "ok"}, nil, map[string]int32{"stall": 3, "ok": 1}},
		{"503 then ok", []string{"503", "ok"}, nil, map[string]int32{"503": 3, "ok": 1}},
		{"refused then ok", []string{refused, "ok"}, nil, nil},
		{"cut off", []string{"cutoff"}, []string{"cutoff/: cut off after", "(3 tries)"}, map[string]int32{"cutoff": 3}},
		{"all fail", []string{"404", "html200", "short200", "stall", "503", refused}, []string{
			"download images.gz: every mirror failed: ",
			"404/: HTTP 404; ",
			"html200/: md5 ",
			"short200/: size " + fmt.Sprint(len(htmlPage)) + ", want",
			"stall/: no data for 200ms (3 tries); ",
			"503/: HTTP 503 (3 tries); ",
			"refused/: ",
		}, map[string]int32{"404": 1, "html200": 1, "short200": 1, "stall": 3, "503": 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := new(fakeClock)
			var urls []string
			counts := map[string]*atomic.Int32{}
			for _, kind := range tc.mirrors {
				if strings.HasPrefix(kind, "http") {
					urls = append(urls, kind)
					continue
				}
				u, n := mirror(t, kind, body, clock)
				urls, counts[kind] = append(urls, u), n
			}
			dir := t.TempDir()
			err := Download(context.Background(), nil, urls, dir, f, clock.options())
			for kind, want := range tc.requests {
				if got := counts[kind].Load(); got != want {
					t.Errorf("%s: %d requests, want %d", kind, got, want)
				}
			}
			left, _ := os.ReadDir(dir)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatal("no error")
				}
				for _, s := range tc.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
				t.Log(err)
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
				}
				if tc.mirrors[len(tc.mirrors)-1] == refused && strings.HasSuffix(err.Error(), "tries)") {
					t.Errorf("a refused connection was tried again: %q", err)
				}
				if len(left) != 0 {
					t.Errorf("left %d files behind, first %s", len(left), left[0].Name())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, f.Name))
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("downloaded file wrong: %v", err)
			}
			if len(left) != 1 {
				t.Errorf("%d files in dir, want only %s", len(left), f.Name)
			}
		})
	}
}

// A transfer that stops midway is given up after the idle timeout and tried
// again, and the retry completes it. The server moves the fake clock on by
// the idle timeout once the client has all it sent.
func TestDownloadIdleThenRetry(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 1000)
	f := File{Name: "p", Size: int64(len(body)), MD5: md5Hex(body)}
	clock := new(fakeClock)
	half := make(chan struct{})
	var once sync.Once
	client := slowNet(clock, 0, 0, func(total int) {
		if total >= len(body)/2 {
			once.Do(func() { close(half) })
		}
	})
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			w.Write(body[:len(body)/2])
			w.(http.Flusher).Flush()
			<-half
			clock.advance(quick.IdleTimeout) // silent since
			<-r.Context().Done()
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	var lines []string
	opts := clock.options()
	opts.Logf = func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	dir := t.TempDir()
	if err := Download(context.Background(), client, []string{srv.URL}, dir, f, opts); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, f.Name)); err != nil || !bytes.Equal(got, body) {
		t.Errorf("downloaded file wrong: %v", err)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	if n := clock.fired(); n != 1 {
		t.Errorf("%d idle timeouts, want 1", n)
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "cut off after 5000 bytes: no data for 200ms; trying again in 1ms") {
		t.Errorf("log %q, want one retry after the idle timeout", lines)
	}
}

// A slow transfer whose bytes keep coming never times out, however long it
// takes in all: here 30 pieces 50 ms apart on the fake clock, 1.5 s against
// an idle timeout of 300 ms, without retries. Progress is reported from 0 to
// the whole size.
func TestDownloadSlowButSteady(t *testing.T) {
	const chunks = 30
	body := bytes.Repeat([]byte("abcdefgh"), chunks*512) // more than the transport buffers
	f := File{Name: "slow", Size: int64(len(body)), MD5: md5Hex(body)}
	clock := new(fakeClock)
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body)
	}))
	defer srv.Close()
	type call struct{ done, total int64 }
	var calls []call
	opts := DownloadOptions{IdleTimeout: 300 * time.Millisecond, Retries: -1, afterFunc: clock.afterFunc, Progress: func(file string, done, total int64) {
		if file != f.Name {
			t.Errorf("progress for %q", file)
		}
		calls = append(calls, call{done, total})
	}}
	client := slowNet(clock, len(body)/chunks, 50*time.Millisecond, nil)
	if err := Download(context.Background(), client, []string{srv.URL}, t.TempDir(), f, opts); err != nil {
		t.Fatal(err)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if n := clock.fired(); n != 0 {
		t.Errorf("%d idle timeouts, want none", n)
	}
	if clock.now < chunks*50*time.Millisecond {
		t.Errorf("the transfer took %v on the fake clock, want at least %v", clock.now, chunks*50*time.Millisecond)
	}
	size := int64(len(body))
	if len(calls) < 2 || calls[0] != (call{0, size}) || calls[len(calls)-1] != (call{size, size}) {
		t.Fatalf("progress %v, want from {0 %d} to {%d %d}", calls, size, size, size)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].done < calls[i-1].done || calls[i].total != size {
			t.Errorf("progress goes %v then %v", calls[i-1], calls[i])
		}
	}
}

// The watchdog of a real clock (time.AfterFunc, the default) gives a
// silent server up: one try, no retries, so a slow machine can only make it
// later, never make more requests.
func TestDownloadIdleOnTheRealClock(t *testing.T) {
	body := []byte("payload")
	f := File{Name: "p", Size: int64(len(body)), MD5: md5Hex(body)}
	u, requests := mirror(t, "stall", body, nil)
	done := make(chan error, 1)
	go func() {
		done <- Download(context.Background(), nil, []string{u}, t.TempDir(), f, DownloadOptions{IdleTimeout: 20 * time.Millisecond, Retries: -1})
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute): // a hang guard, not a measure
		t.Fatal("Download still waiting a minute after a 20ms idle timeout")
	}
	if err == nil || !strings.Contains(err.Error(), "stall/: no data for 20ms") {
		t.Errorf("err = %v, want no data for 20ms", err)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// Progress is reported at most every 100 ms, and at the end whatever the
// time.
func TestMeter(t *testing.T) {
	var clock time.Duration
	var got []string
	m := &meter{file: "f", total: 100, now: func() time.Time { return time.Unix(0, 0).Add(clock) },
		fn: func(file string, done, total int64) { got = append(got, fmt.Sprintf("%d/%d", done, total)) }}
	m.start()
	for _, step := range []struct {
		at time.Duration
		n  int
	}{{10 * time.Millisecond, 10}, {99 * time.Millisecond, 10}, {100 * time.Millisecond, 10}, {150 * time.Millisecond, 10}, {250 * time.Millisecond, 10}, {260 * time.Millisecond, 50}} {
		clock = step.at
		m.add(step.n)
	}
	m.end()
	want := []string{"0/100", "30/100", "50/100", "100/100"}
	if !slices.Equal(got, want) {
		t.Errorf("progress %v, want %v", got, want)
	}
	// Without a function, a meter does nothing.
	(&meter{now: time.Now}).add(1)
	newMeter("f", 1, nil).end()
}

// Cancellation is the caller's decision, not a mirror's failure.
// Cancellation is the caller's decision, not a mirror's failure.
func TestDownloadCancelled(t *testing.T) {
	body := []byte("payload")
	f := File{Name: "p", Size: int64(len(body)), MD5: md5Hex(body)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	u, _ := mirror(t, "ok", body, nil)
	err := Download(ctx, nil, []string{u}, t.TempDir(), f, DownloadOptions{})
	var de *downloadError
	if !errors.Is(err, context.Canceled) || errors.As(err, &de) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// A cancellation during the wait before a retry ends the wait at once (here
// an hour long) and Download with context.Canceled.
func TestDownloadCancelledDuringBackoff(t *testing.T) {
	body := []byte("payload")
	f := File{Name: "p", Size: int64(len(body)), MD5: md5Hex(body)}
	u, requests := mirror(t, "503", body, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waiting := make(chan struct{}, 1)
	opts := DownloadOptions{Backoff: time.Hour, Logf: func(string, ...any) { waiting <- struct{}{} }}
	dir := filepath.Join(t.TempDir(), "new")
	done := make(chan error, 1)
	go func() { done <- Download(ctx, nil, []string{u}, dir, f, opts) }()
	var err error
	select {
	case <-waiting:
		cancel()
		select {
		case err = <-done:
		case <-time.After(time.Minute): // a hang guard, not a measure
			t.Fatal("Download still waiting a minute after the cancellation")
		}
	case err = <-done:
		t.Fatalf("Download returned %v without waiting to retry", err)
	}
	var de *downloadError
	if !errors.Is(err, context.Canceled) || errors.As(err, &de) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the download folder is left: %v", err)
	}
}

// A failed download removes the folders it made (the cache folder is made by
// the first download), and only those.
func TestDownloadLeavesNoEmptyFolder(t *testing.T) {
	body := []byte("payload")
	f := File{Name: "p", Size: int64(len(body)), MD5: md5Hex(body)}
	tests := []struct {
		name    string
		before  []string // folders made first, under a fresh root
		dir     string   // the download folder, under the root
		mirror  string   // "ok" or "404"
		ctx     context.Context
		want    []string // what the root holds afterwards
		success bool
	}{
		{name: "new folders", dir: "a/b/c", mirror: "404", want: nil},
		{name: "existing folder", before: []string{"a"}, dir: "a", mirror: "404", want: []string{"a"}},
		{name: "new folder in an existing one", before: []string{"a"}, dir: "a/b", mirror: "404", want: []string{"a"}},
		{name: "cancelled", dir: "a/b", mirror: "ok", ctx: cancelled(), want: nil},
		{name: "success", dir: "a/b", mirror: "ok", want: []string{"a", "a/b", "a/b/p"}, success: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for _, d := range tc.before {
				if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			u, _ := mirror(t, tc.mirror, body, nil)
			err := Download(ctx, nil, []string{u}, filepath.Join(root, tc.dir), f, DownloadOptions{})
			if (err == nil) != tc.success {
				t.Fatalf("err = %v", err)
			}
			if got := listTree(t, root); !slices.Equal(got, tc.want) {
				t.Errorf("left %v, want %v", got, tc.want)
			}
		})
	}
}

// The idle timeout and retries: Options' fields, else the environment,
// else the defaults; a bad variable is an error naming it.
func TestDownloadSettings(t *testing.T) {
	tests := []struct {
		name          string
		opts          Options
		idleEnv, rEnv string
		idle          time.Duration
		retries       int
		err           string
	}{
		{name: "defaults", idle: 30 * time.Second, retries: 3},
		{name: "environment", idleEnv: "45s", rEnv: " 5 ", idle: 45 * time.Second, retries: 5},
		{name: "none by environment", idleEnv: "0", rEnv: "0", idle: 0, retries: 0},
		{name: "fields beat the environment", opts: Options{IdleTimeout: time.Second, Retries: 1}, idleEnv: "45s", rEnv: "5", idle: time.Second, retries: 1},
		{name: "none by fields", opts: Options{IdleTimeout: -1, Retries: -1}, idleEnv: "45s", rEnv: "5", idle: 0, retries: 0},
		{name: "fields hide a bad environment", opts: Options{IdleTimeout: time.Second, Retries: 1}, idleEnv: "soon", rEnv: "many", idle: time.Second, retries: 1},
		{name: "bad duration", idleEnv: "45", err: `$ZOO_DOWNLOAD_IDLE_TIMEOUT="45" is not a duration like 45s (0 for none)`},
		{name: "negative duration", idleEnv: "-5s", err: `$ZOO_DOWNLOAD_IDLE_TIMEOUT="-5s" is not a duration`},
		{name: "bad retries", rEnv: "x", err: `$ZOO_DOWNLOAD_RETRIES="x" is not a number of retries from 0 to 100`},
		{name: "negative retries", rEnv: "-1", err: `$ZOO_DOWNLOAD_RETRIES="-1" is not a number`},
		{name: "too many retries", rEnv: "101", err: `$ZOO_DOWNLOAD_RETRIES="101" is not a number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(IdleTimeoutEnv, tc.idleEnv)
			t.Setenv(RetriesEnv, tc.rEnv)
			idle, retries, err := tc.opts.DownloadSettings()
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Errorf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || idle != tc.idle || retries != tc.retries {
				t.Errorf("DownloadSettings() = %v, %d, %v; want %v, %d", idle, retries, err, tc.idle, tc.retries)
			}
		})
	}
}

// Load downloads with Options' settings: a bad variable stops it before
// any request, and Progress sees every file to its end.
func TestLoadDownloadSettings(t *testing.T) {
	w := newWorld(t)
	t.Setenv(RetriesEnv, "lots")
	_, err := Load(context.Background(), w.entry, Options{CacheDir: w.cache})
	if err == nil || err.Error() != `tiny: $ZOO_DOWNLOAD_RETRIES="lots" is not a number of retries from 0 to 100` || w.requests.Load() != 0 {
		t.Errorf("err = %v after %d requests", err, w.requests.Load())
	}

	t.Setenv(RetriesEnv, "")
	last := map[string][2]int64{}
	opts := Options{CacheDir: w.cache, Progress: func(file string, done, total int64) { last[file] = [2]int64{done, total} }}
	if _, err := Load(context.Background(), w.entry, opts); err != nil {
		t.Fatal(err)
	}
	for _, f := range w.entry.Files() {
		if got := last[f.Name]; got != [2]int64{f.Size, f.Size} {
			t.Errorf("%s: last progress %v, want %d of %d", f.Name, got, f.Size, f.Size)
		}
	}
}
