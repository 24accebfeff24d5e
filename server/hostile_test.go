package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorgonia-zoo/zoo/internal/imagetest"
	"github.com/gorgonia-zoo/zoo/server"
)

// guardedServer serves the pretrained models with options o.
func guardedServer(t *testing.T, o server.Options) *httptest.Server {
	t.Helper()
	h, err := server.NewWithOptions(o, testModels(t)...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// do sends a request and returns its status and JSON error message.
func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var e struct{ Error string }
	json.NewDecoder(res.Body).Decode(&e)
	return res.StatusCode, e.Error
}

// TestHostAndOrigin: a name that is not the server's (DNS rebinding) is
// refused on every route, and so is a browser's post from another site;
// the page's own posts, programs' posts and the names and origins given
// in the options are answered.
func TestHostAndOrigin(t *testing.T) {
	digit := encodePNG(t, digitImage(mnist(t), 0))
	cases := []struct {
		name    string
		opts    server.Options
		method  string
		host    string
		headers map[string]string
		status  int
		want    string
	}{
		{"page by address", server.Options{}, "GET", "", nil, 200, ""},
		{"page by localhost", server.Options{}, "GET", "localhost:8080", nil, 200, ""},
		{"page by a .localhost name", server.Options{}, "GET", "zoo.localhost", nil, 200, ""},
		{"page by IPv6 loopback", server.Options{}, "GET", "[::1]:8080", nil, 200, ""},
		{"page by a rebound name", server.Options{}, "GET", "evil.example:8080", nil, 403, `does not answer to the name "evil.example"`},
		{"healthz by a rebound name", server.Options{}, "GET /healthz", "attacker.test", nil, 403, "does not answer"},
		{"post by a rebound name, same origin", server.Options{}, "POST", "evil.example", map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"}, 403, "does not answer"},
		{"page by a name given", server.Options{Hosts: []string{"MyBox"}}, "GET", "mybox.:8080", nil, 200, ""},
		{"any name", server.Options{Hosts: []string{"*"}}, "GET", "evil.example", nil, 200, ""},
		{"post by curl", server.Options{}, "POST", "", nil, 200, ""},
		{"post by the page", server.Options{}, "POST", "", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "SELF"}, 200, ""},
		{"text/plain post from another site", server.Options{}, "POST", "", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example", "Content-Type": "text/plain"}, 403, `a cross-origin request from "https://evil.example"`},
		{"post from another local port", server.Options{}, "POST", "", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:3000"}, 403, "cross-origin"},
		{"post from an old browser on another site", server.Options{}, "POST", "", map[string]string{"Origin": "https://evil.example"}, 403, "cross-origin"},
		{"post from an origin given", server.Options{Origins: []string{"https://app.example"}}, "POST", "", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://app.example"}, 200, ""},
		{"post from any origin", server.Options{Origins: []string{"*"}}, "POST", "", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := guardedServer(t, c.opts)
			method, path, _ := strings.Cut(c.method, " ")
			if path == "" {
				path = "/"
			}
			var body *bytes.Reader
			if method == "POST" {
				path, body = "/predict", bytes.NewReader(digit)
			} else {
				body = bytes.NewReader(nil)
			}
			req, err := http.NewRequest(method, srv.URL+path, body)
			if err != nil {
				t.Fatal(err)
			}
			if c.host != "" {
				req.Host = c.host
			}
			for k, v := range c.headers {
				if v == "SELF" {
					v = srv.URL
				}
				req.Header.Set(k, v)
			}
			status, msg := do(t, req)
			if status != c.status || !strings.Contains(msg, c.want) {
				t.Errorf("status %d, error %q; want %d and %q", status, msg, c.status, c.want)
			}
		})
	}
	if _, err := server.NewWithOptions(server.Options{Origins: []string{"not an origin"}}, testModels(t)...); err == nil {
		t.Error("a malformed origin accepted")
	}
}

// TestExpectContinueOverLimit: a client that declares a 5 GB body and
// waits for "100 Continue" is answered 413 at once, never asked for it.
func TestExpectContinueOverLimit(t *testing.T) {
	srv := testServer(t)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute)) // a hang guard
	fmt.Fprintf(conn, "POST /predict HTTP/1.1\r\nHost: %s\r\nContent-Type: image/png\r\nContent-Length: 5000000000\r\nExpect: 100-continue\r\n\r\n", srv.Listener.Addr())
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer before the body: %v", err)
	}
	defer res.Body.Close()
	var e struct{ Error string }
	json.NewDecoder(res.Body).Decode(&e)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(e.Error, "over 4 MiB") {
		t.Errorf("first answer %d %q, want 413 at once", res.StatusCode, e.Error)
	}
}

// TestMemoryBudgetRefusesWhatNeverFits: an image whose decoding and
// preparation would take more than a request's share of the budget is
// refused 413 from its header, saying what it would take; an ordinary
// drawing fits the same small budget.
func TestMemoryBudgetRefusesWhatNeverFits(t *testing.T) {
	srv := guardedServer(t, server.Options{MemoryBudget: 32 << 20})
	thin := imagetest.PNG(imagetest.Inked(1<<20, 1)) // about 85 MB to decode and prepare
	if len(thin) > 4<<10 {
		t.Fatalf("the thin PNG takes %d bytes", len(thin))
	}
	code, _, msg := post(t, srv.URL, thin, "image/png")
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "a png of 1048576×1 pixels: decoding and preparing it takes about") || !strings.Contains(msg, "more than this server gives one image (24 MiB)") {
		t.Errorf("status %d, %q; want 413 naming the cost", code, msg)
	}
	code, a, msg := post(t, srv.URL, encodePNG(t, digitImage(mnist(t), 0)), "image/png")
	if code != http.StatusOK {
		t.Fatalf("an ordinary drawing: %d %s", code, msg)
	}
	checkAnswers(t, modelNames(t), a)
}

// TestMemoryBudgetBusy: while an upload holds most of the budget, another
// that does not fit is answered 503 with Retry-After at once, and fits
// again as soon as the first has ended.
func TestMemoryBudgetBusy(t *testing.T) {
	srv := guardedServer(t, server.Options{MemoryBudget: 6 << 20})
	holder, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	holder.SetDeadline(time.Now().Add(2 * time.Minute)) // a hang guard
	const held = 4 << 20
	fmt.Fprintf(holder, "POST /predict HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\nGIF8", srv.Listener.Addr(), held)
	probe := func() (int, string, string) {
		res, err := client.Post(srv.URL+"/predict", "image/png", bytes.NewReader(make([]byte, 3<<20)))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var e struct{ Error string }
		json.NewDecoder(res.Body).Decode(&e)
		return res.StatusCode, e.Error, res.Header.Get("Retry-After")
	}
	// The stalled upload holds its 4 MiB once its headers are read: until
	// then the probe is read and refused as not an image.
	var status int
	var msg, retry string
	for range 1000 {
		if status, msg, retry = probe(); status != http.StatusUnsupportedMediaType {
			break
		}
	}
	if status != http.StatusServiceUnavailable || retry != "1" || !strings.Contains(msg, "busy") {
		t.Fatalf("while the budget is held: %d %q, Retry-After %q; want 503, busy, 1", status, msg, retry)
	}
	holder.Write(make([]byte, held-4))
	res, err := http.ReadResponse(bufio.NewReader(holder), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if status, msg, _ = probe(); status != http.StatusUnsupportedMediaType {
		t.Errorf("after the upload ended: %d %q, want the probe read (415)", status, msg)
	}
}
