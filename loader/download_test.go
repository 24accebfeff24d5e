package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// mirror starts a test server behaving as kind for every request:
// "ok" serves body, "gzipenc" serves it as Content-Encoding gzip, "404" fails, "html200" serves an HTML page of the right
// size (so only the md5 tells), "short200" a shorter page without a length,
// "cutoff" announces the full length but hangs up midway, and "stall" never
// answers until the test ends.
func mirror(t *testing.T, kind string, body []byte) string {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch kind {
		case "ok":
			w.Write(body)
		case "gzipenc":
			// A misconfigured server labelling the .gz as transfer-encoded.
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(body)
		case "404":
			http.NotFound(w, r)
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
			select {
			case <-stop:
			case <-r.Context().Done():
			}
		}
	}))
	// Cleanups run last-in first-out: unblock stalled handlers, then close.
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	return srv.URL + "/" + kind + "/"
}

func TestDownload(t *testing.T) {
	body := gzipBytes(t, idxBytes([]int{100, tinyH, tinyW}, tinyImages(100)))
	if len(body) < len(htmlPage) {
		t.Fatal("body too small to impersonate with an HTML page")
	}
	f := File{Name: "images.gz", Size: int64(len(body)), MD5: md5Hex(body)}
	tests := []struct {
		name    string
		mirrors []string
		wantErr []string // substrings of the error; nil for success
	}{
		{"ok", []string{"ok"}, nil},
		{"404 then ok", []string{"404", "ok"}, nil},
		{"served with Content-Encoding gzip", []string{"gzipenc"}, nil},
		{"html 200 then ok", []string{"html200", "ok"}, nil},
		{"short page then ok", []string{"short200", "ok"}, nil},
		{"cut off then ok", []string{"cutoff", "ok"}, nil},
		{"stall then ok", []string{"stall", "ok"}, nil},
		{"cut off", []string{"cutoff"}, []string{"cutoff/: cut off after"}},
		{"all fail", []string{"404", "html200", "short200", "stall"}, []string{
			"download images.gz: every mirror failed: ",
			"404/: HTTP 404",
			"html200/: md5 ",
			"short200/: size " + fmt.Sprint(len(htmlPage)),
			"stall/: timeout after 200ms",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var urls []string
			for _, kind := range tc.mirrors {
				urls = append(urls, mirror(t, kind, body))
			}
			dir := t.TempDir()
			err := Download(context.Background(), nil, urls, dir, f, 200*time.Millisecond)
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

// Cancellation is the caller's decision, not a mirror's failure.
func TestDownloadCancelled(t *testing.T) {
	body := []byte("payload")
	f := File{Name: "p", Size: int64(len(body)), MD5: md5Hex(body)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Download(ctx, nil, []string{mirror(t, "ok", body)}, t.TempDir(), f, time.Second)
	var de *downloadError
	if !errors.Is(err, context.Canceled) || errors.As(err, &de) {
		t.Errorf("err = %v, want context.Canceled", err)
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
			err := Download(ctx, nil, []string{mirror(t, tc.mirror, body)}, filepath.Join(root, tc.dir), f, time.Second)
			if (err == nil) != tc.success {
				t.Fatalf("err = %v", err)
			}
			if got := listTree(t, root); !slices.Equal(got, tc.want) {
				t.Errorf("left %v, want %v", got, tc.want)
			}
		})
	}
}
