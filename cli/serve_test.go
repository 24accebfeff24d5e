package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorgonia-zoo/zoo/pretrained"
)

// lockedBuffer is a buffer a command writes while a test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var servingLine = regexp.MustCompile(`^zoo: serving (http://127\.0\.0\.1:\d+/) \(models (.*)\)\n`)

// startServe runs "zoo serve args" in-process until the test cancels it,
// and returns the address it printed and what ends it.
func startServe(t *testing.T, args ...string) (url string, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() { done <- runServe(ctx, args, &stdout, &stderr) }()
	stop = func() (int, string) {
		cancel()
		select {
		case code := <-done:
			if stdout.String() != "" {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
			return code, stderr.String()
		case <-time.After(2 * time.Minute): // a hang guard
			t.Fatalf("zoo serve still running 2 minutes after its context ended; stderr %q", stderr.String())
		}
		return 0, ""
	}
	// Wait for the line saying where it listens (or for its end).
	for guard := time.Now().Add(2 * time.Minute); ; {
		if m := servingLine.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], stop
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("zoo serve ended with %d before serving; stderr %q", code, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(guard) {
			code, errOut := stop()
			t.Fatalf("zoo serve did not say where it listens; exit %d, stderr %q", code, errOut)
		}
	}
}

// TestServe serves the models chosen, answers /healthz and a digit, and
// ends with 130 and one line when its context is cancelled.
func TestServe(t *testing.T) {
	weights, err := pretrained.File("cnn1")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "w.safetensors")
	if err := os.WriteFile(file, weights, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		args   []string
		models []string
	}{
		{"every pretrained model", nil, pretrained.Names()},
		{"-model", []string{"-model", "cnn2,model1"}, []string{"cnn2", "model1"}},
		{"-load", []string{"-load", file}, []string{"cnn1"}},
	}
	client := &http.Client{Timeout: 2 * time.Minute}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url, stop := startServe(t, append([]string{"-addr", "127.0.0.1:0"}, c.args...)...)
			res, err := client.Get(url + "healthz")
			if err != nil {
				stop()
				t.Fatal(err)
			}
			var h struct {
				Status string
				Models []string
			}
			err = json.NewDecoder(res.Body).Decode(&h)
			res.Body.Close()
			if err != nil || res.StatusCode != 200 || h.Status != "ok" || !slices.Equal(h.Models, c.models) {
				t.Errorf("/healthz: status %d, %+v, %v; want ok and %v", res.StatusCode, h, err, c.models)
			}
			res, err = client.Post(url+"predict", "image/png", bytes.NewReader(sevenPNG(t)))
			if err == nil {
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Errorf("/predict: status %d", res.StatusCode)
				}
			} else {
				t.Error(err)
			}

			code, stderr := stop()
			if code != exitInterrupted {
				t.Errorf("exit %d after cancel, want %d", code, exitInterrupted)
			}
			m := servingLine.FindStringSubmatch(stderr)
			if m == nil || m[2] != strings.Join(c.models, ", ") || !strings.HasSuffix(stderr, "\nzoo: serve: stopped\n") || strings.Count(stderr, "\n") != 2 {
				t.Errorf("stderr %q: want the serving line naming %v, then \"zoo: serve: stopped\"", stderr, c.models)
			}
			if _, err := client.Get(url + "healthz"); err == nil {
				t.Error("still answering after it stopped")
			}
		})
	}
}

// sevenPNG is a 7 drawn with two strokes, dark on white.
func sevenPNG(t *testing.T) []byte {
	t.Helper()
	const size = 56
	img := make([]byte, 0, size*size)
	for y := range size {
		for x := range size {
			v := byte(255)
			if (y >= 8 && y < 13 && x >= 12 && x < 44) || (y >= 13 && y < 50 && abs(x-(44-(y-13)*2/3)) < 3) {
				v = 0
			}
			img = append(img, v)
		}
	}
	return grayPNG(t, size, size, img)
}

func abs(x int) int { return max(x, -x) }

func grayPNG(t *testing.T, w, h int, pix []byte) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	copy(img.Pix, pix)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestServeRefuses: a bad command line exits 2 and a busy port exits 1,
// each with one line and nothing served.
func TestServeRefuses(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown model", []string{"-model", "cnn9"}, exitUsage, `zoo: serve: unknown model "cnn9"`},
		{"no model", []string{"-model", ","}, exitUsage, "no model given to -model"},
		{"an argument", []string{"now"}, exitUsage, `unexpected argument "now"`},
		{"unknown flag", []string{"-port", "80"}, exitUsage, "flag provided but not defined: -port"},
		{"no value", []string{"-addr"}, exitUsage, "flag needs an argument: -addr"},
		{"missing weights", []string{"-load", filepath.Join(t.TempDir(), "none.safetensors")}, exitFailed, "none.safetensors"},
		{"busy port", []string{"-addr", busy.Addr().String()}, exitFailed, "zoo: serve: listen tcp " + busy.Addr().String()},
		{"bad address", []string{"-addr", "127.0.0.1:http-alt-x"}, exitFailed, "zoo: serve: listen tcp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runServe(context.Background(), c.args, &stdout, &stderr)
			if code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
			if !strings.HasPrefix(stderr.String(), "zoo: serve: ") || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), c.want) {
				t.Errorf("stderr %q: want one line with %q", stderr.String(), c.want)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout %q", stdout.String())
			}
		})
	}
}

func TestServeHelp(t *testing.T) {
	code, stdout, stderr := runCmd(t, "serve", "-h")
	if code != exitOK || stdout != "" || !strings.Contains(stderr, "usage: zoo serve") || !strings.Contains(stderr, "-addr address") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// -allow-host and -allow-origin reach the server: a name given is
// answered and another refused; an origin given may post, another may not.
func TestServeAllowFlags(t *testing.T) {
	url, stop := startServe(t, "-addr", "127.0.0.1:0", "-model", "model1", "-allow-host", "mybox", "-allow-origin", "https://app.example", "-max-memory", "64MiB")
	defer stop()
	client := &http.Client{Timeout: 2 * time.Minute}
	for _, c := range []struct {
		method, host, origin string
		status               int
	}{
		{"GET", "mybox:8080", "", 200},
		{"GET", "rebound.example", "", 403},
		{"POST", "", "https://app.example", 200},
		{"POST", "", "https://evil.example", 403},
	} {
		var body io.Reader
		path := "healthz"
		if c.method == "POST" {
			body, path = bytes.NewReader(sevenPNG(t)), "predict"
		}
		req, _ := http.NewRequest(c.method, url+path, body)
		if c.host != "" {
			req.Host = c.host
		}
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
			req.Header.Set("Sec-Fetch-Site", "cross-site")
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("%s Host %q Origin %q: %d, want %d", c.method, c.host, c.origin, res.StatusCode, c.status)
		}
	}
	for _, args := range [][]string{{"-max-memory", "0"}, {"-allow-origin", "not an origin"}} {
		var stdout, stderr bytes.Buffer
		if code := runServe(context.Background(), append(args, "-addr", "127.0.0.1:0", "-model", "model1"), &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "(usage: ") {
			t.Errorf("%v: exit %d, %q; want a usage error", args, code, stderr.String())
		}
	}
}
