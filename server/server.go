package server

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"image"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pkg/errors"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// Limits on what POST /predict takes.
const (
	// MaxBodyBytes bounds the body: a canvas PNG is a few kilobytes, a
	// phone's photo of a digit a few megabytes.
	MaxBodyBytes = 4 << 20
	// MaxPixels bounds width × height, read from the image's header before
	// any pixel is decoded: a file of a few bytes can declare gigapixels.
	MaxPixels = 16 << 20
	// DefaultMemoryBudget is Options.MemoryBudget when not given: enough
	// for the costliest image of MaxPixels (an interlaced 16-bit RGBA PNG,
	// about 300 MB to decode and prepare) within a large request's share.
	DefaultMemoryBudget = 512 << 20
)

// Options are the server's limits and whom it answers; the zero value
// gives the defaults.
type Options struct {
	// MemoryBudget bounds, in bytes, the memory that the requests in
	// flight hold together: each reserves its body, then what decoding and
	// preparing its image will allocate as estimated from the image's
	// header (zoo.ImageHeader.DecodeBytes, zoo.ImageInputBytes), before
	// allocating it. A request that does not fit now is answered 503 with
	// Retry-After; one that can never fit, 413. So that smaller requests,
	// such as the page's, still fit, a large request (over an eighth of the
	// budget) may only take the budget up to three quarters, and any
	// request of over a megabyte up to seven eighths; large images are
	// decoded one at a time. 0 means DefaultMemoryBudget.
	MemoryBudget int64
	// Hosts are the names, as the Host header gives them (the port does
	// not matter), that the server answers to besides IP addresses,
	// "localhost" and names under ".localhost". Any other name is refused
	// (403), so that a page whose domain is made to resolve to this
	// machine (DNS rebinding) cannot read or post. "*" answers any name.
	Hosts []string
	// Origins are the origins ("https://example.org:8443") whose pages may
	// POST to the server; a browser's request from any other site is
	// refused (403), as the browser tells it (Sec-Fetch-Site, Origin). "*"
	// allows every origin. Programs such as curl send neither header and
	// are answered.
	Origins []string
}

// largeWait is how long a large image waits for the one decoding at a
// time before the request is answered 503.
const largeWait = time.Second

// retryAfter is the Retry-After of a 503, in seconds.
const retryAfter = "1"

// Model is one model the server asks.
type Model struct {
	Name string // in answers and on the page, e.g. "cnn2"
	// Labels name the classes ("0" to "9" for MNIST); a class without one
	// is labelled with its number.
	Labels    []string
	Predictor *zoo.Predictor
}

func (m Model) label(class int) string {
	if class >= 0 && class < len(m.Labels) {
		return m.Labels[class]
	}
	return fmt.Sprint(class)
}

// Answer is one model's answer for an image: the fields of
// "zoo predict -json" and the seconds the model took.
type Answer struct {
	Model         string    `json:"model"`
	Class         int       `json:"class"`
	Label         string    `json:"label"`
	Probabilities []float64 `json:"probabilities"`
	// Seconds is the time of the model's Predict call, which includes
	// waiting for the model's earlier callers.
	Seconds float64 `json:"seconds"`
}

// Answers is the body of a successful POST /predict: one answer per model,
// in the server's order.
type Answers struct {
	Predictions []Answer `json:"predictions"`
}

//go:embed page.html
var pageHTML string

//go:embed static
var static embed.FS

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

type server struct {
	models  []Model
	page    []byte
	memory  memoryBudget
	large   chan struct{} // held while a large image is decoded and prepared
	hosts   map[string]bool
	anyHost bool
	origins *http.CrossOriginProtection // nil: any origin
}

// New returns the handler serving the models, asked in the order given,
// with the default Options. Names must be distinct and non-empty.
func New(models ...Model) (http.Handler, error) {
	return NewWithOptions(Options{}, models...)
}

// NewWithOptions is New with the limits and names of o. An origin that
// is not scheme://host[:port] is an error.
func NewWithOptions(o Options, models ...Model) (http.Handler, error) {
	if len(models) == 0 {
		return nil, errors.New("server: no model to serve")
	}
	seen := map[string]bool{}
	var names []string
	for i, m := range models {
		switch {
		case m.Name == "":
			return nil, errors.Errorf("server: model %d has no name", i)
		case m.Predictor == nil:
			return nil, errors.Errorf("server: model %s has no predictor", m.Name)
		case seen[m.Name]:
			return nil, errors.Errorf("server: model %s is given twice", m.Name)
		}
		seen[m.Name] = true
		names = append(names, m.Name)
	}
	var page bytes.Buffer
	err := pageTemplate.Execute(&page, struct {
		Models []string
		MaxMiB int
	}{names, MaxBodyBytes >> 20})
	if err != nil {
		return nil, errors.Wrap(err, "server: rendering the page")
	}
	s := &server{models: models, page: page.Bytes(), large: make(chan struct{}, 1), hosts: map[string]bool{}}
	s.memory.total = o.MemoryBudget
	if s.memory.total <= 0 {
		s.memory.total = DefaultMemoryBudget
	}
	for _, h := range o.Hosts {
		if h == "*" {
			s.anyHost = true
		}
		s.hosts[canonicalHost(h)] = true
	}
	s.origins = http.NewCrossOriginProtection()
	for _, origin := range o.Origins {
		if origin == "*" {
			s.origins = nil
			break
		}
		if err := s.origins.AddTrustedOrigin(origin); err != nil {
			return nil, errors.Wrapf(err, "server: origin %q", origin)
		}
	}
	sub, _ := fs.Sub(static, "static")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.servePage)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(sub)))
	mux.HandleFunc("/predict", s.predict) // any method: others get a JSON 405
	mux.HandleFunc("GET /healthz", s.health)
	return s.guard(mux), nil
}

// canonicalHost is a host name as compared: lower case, without a port or
// a final dot.
func canonicalHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
}

// hostAllowed says whether the server answers to the Host header host.
func (s *server) hostAllowed(host string) bool {
	h := canonicalHost(host)
	switch {
	case host == "", s.anyHost, s.hosts[h], net.ParseIP(h) != nil:
		// A rebinding page reaches the server by a name of its own: an
		// address was typed by the user.
		return true
	case h == "localhost", strings.HasSuffix(h, ".localhost"):
		return true // resolved to loopback by browsers, never by DNS
	}
	return false
}

// guard refuses requests for a name that is not the server's and
// browsers' cross-origin posts, before any route sees them.
func (s *server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r.Host) {
			fail(w, http.StatusForbidden, fmt.Sprintf("this server does not answer to the name %q (zoo serve -allow-host adds names)", canonicalHost(r.Host)))
			return
		}
		if s.origins != nil {
			if err := s.origins.Check(r); err != nil {
				fail(w, http.StatusForbidden, fmt.Sprintf("a cross-origin request from %q: a page of another site may not post here (zoo serve -allow-origin allows origins)", r.Header.Get("Origin")))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// memoryBudget is what the requests in flight may hold, in bytes.
type memoryBudget struct {
	mu          sync.Mutex
	total, used int64
}

// smallCost is the most a small request reserves: the page's drawings,
// of a few kilobytes, take about a third of it.
const smallCost = 1 << 20

// largeShare is the part of the budget large requests may take together.
func (b *memoryBudget) largeShare() int64 { return b.total / 4 * 3 }

// isLarge says whether a reservation of n bytes is a large one.
func (b *memoryBudget) isLarge(n int64) bool { return n > b.total/8 }

// limitFor is how far a reservation of n bytes may fill the budget: a
// large one to three quarters, any but a small one to seven eighths, so
// that some room is always left for smaller ones.
func (b *memoryBudget) limitFor(n int64) int64 {
	switch {
	case b.isLarge(n):
		return b.largeShare()
	case n > smallCost:
		return b.total / 8 * 7
	}
	return b.total
}

// reserve takes n bytes if they fit within limitFor(n); it reports
// whether it took them.
func (b *memoryBudget) reserve(n int64) bool {
	limit := b.limitFor(n)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > limit {
		return false
	}
	b.used += n
	return true
}

func (b *memoryBudget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// busy answers 503: the request may fit later.
func busy(w http.ResponseWriter, msg string) {
	w.Header().Set("Retry-After", retryAfter)
	fail(w, http.StatusServiceUnavailable, msg)
}

func (s *server) servePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The page's script and style come from /static, so nothing inline runs.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(s.page)
}

func (s *server) health(w http.ResponseWriter, r *http.Request) {
	names := make([]string, len(s.models))
	for i, m := range s.models {
		names[i] = m.Name
	}
	writeJSON(w, http.StatusOK, struct {
		Status string   `json:"status"`
		Models []string `json:"models"`
	}{"ok", names})
}

func (s *server) predict(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		fail(w, http.StatusMethodNotAllowed, "POST an image (PNG, JPEG or GIF) as the body")
		return
	}
	tooLarge := fmt.Sprintf("the body is over %d MiB: too large for an image to classify", MaxBodyBytes>>20)
	if r.ContentLength > MaxBodyBytes {
		// Refused before reading: a client that sent "Expect:
		// 100-continue" is not asked for its body.
		fail(w, http.StatusRequestEntityTooLarge, tooLarge)
		return
	}
	// The body is reserved before it is read: its length, or when it is
	// not given, the most that reading it into a growing buffer holds.
	held := r.ContentLength
	if held < 0 {
		held = 2 * MaxBodyBytes
	}
	if !s.memory.reserve(held) {
		busy(w, "the server is busy with other images: try again in a moment")
		return
	}
	defer func() { s.memory.release(held) }()
	data, err := readBody(w, r)
	var overLimit *http.MaxBytesError
	switch {
	case errors.As(err, &overLimit):
		fail(w, http.StatusRequestEntityTooLarge, tooLarge)
		return
	case err != nil:
		fail(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	case len(data) == 0:
		fail(w, http.StatusBadRequest, "the body is empty: POST an image (PNG, JPEG or GIF)")
		return
	}
	s.memory.release(held - int64(len(data)))
	held = int64(len(data))

	h, err := zoo.ReadImageHeader(data)
	var limit *zoo.ImageLimitError
	switch {
	case errors.Is(err, zoo.ErrNotImage):
		msg := "not a PNG, JPEG or GIF image"
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			msg += ": send the image itself as the body (curl --data-binary @digit.png), not a form"
		}
		fail(w, http.StatusUnsupportedMediaType, msg)
		return
	case errors.As(err, &limit):
		fail(w, http.StatusRequestEntityTooLarge, err.Error())
		return
	case err != nil:
		fail(w, http.StatusBadRequest, err.Error())
		return
	case int64(h.Width)*int64(h.Height) > MaxPixels:
		fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("a %s of %d×%d pixels: over the %d million pixels this server takes", h.Format, h.Width, h.Height, MaxPixels>>20))
		return
	}
	cost := s.imageCost(h)
	if held+cost > s.memory.largeShare() {
		fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("a %s of %d×%d pixels: decoding and preparing it takes about %d MiB, more than this server gives one image (%d MiB)", h.Format, h.Width, h.Height, cost>>20, s.memory.largeShare()>>20))
		return
	}
	if s.memory.isLarge(cost) || int64(h.Width)*int64(h.Height) > largePixels {
		wait := time.NewTimer(largeWait)
		defer wait.Stop()
		select {
		case s.large <- struct{}{}:
			defer func() { <-s.large }()
		case <-wait.C:
			busy(w, "the server is decoding another large image: try again in a moment")
			return
		case <-r.Context().Done():
			return // the client has gone
		}
	}
	if !s.memory.reserve(cost) {
		busy(w, "the server is busy with other images: try again in a moment")
		return
	}
	defer s.memory.release(cost)
	img, err := zoo.DecodeImage(r.Context(), data)
	if err != nil {
		if r.Context().Err() == nil {
			fail(w, http.StatusBadRequest, err.Error())
		}
		return
	}
	answers, status, err := s.answer(r, img)
	if err != nil {
		if r.Context().Err() == nil {
			fail(w, status, err.Error())
		}
		return
	}
	writeJSON(w, http.StatusOK, Answers{answers})
}

// largePixels: images over a million pixels are decoded one at a time
// whatever they cost, as they take the most time; the page's never wait.
const largePixels = 1 << 20

// imageCost is the memory that decoding an image of header h and
// preparing it for every model's input takes (the preparations are one
// after the other; only the inputs are kept).
func (s *server) imageCost(h zoo.ImageHeader) int64 {
	var prepare, inputs int64
	for _, m := range s.models {
		in := m.Predictor.Model().Input
		prepare = max(prepare, zoo.ImageInputBytes(h.Width, h.Height, in))
		inputs += int64(4 * in.Channels * in.Height * in.Width)
	}
	return h.DecodeBytes + prepare + inputs
}

// readBody reads the body, at most MaxBodyBytes, into a buffer of its
// declared length when it has one.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if r.ContentLength < 0 {
		return io.ReadAll(body)
	}
	data := make([]byte, r.ContentLength)
	n, err := io.ReadFull(body, data)
	if err == io.ErrUnexpectedEOF {
		err = errors.Errorf("the body ended after %d of the %d bytes its Content-Length declares", n, r.ContentLength)
	}
	return data[:n], err
}

// answer asks every model about img; an error comes with its status.
func (s *server) answer(r *http.Request, img image.Image) ([]Answer, int, error) {
	// Models built for the same input share its preparation.
	inputs := map[zoo.Input][]float32{}
	answers := make([]Answer, 0, len(s.models))
	for _, m := range s.models {
		in := m.Predictor.Model().Input
		x, ok := inputs[in]
		if !ok {
			var err error
			x, err = zoo.ImageInput(img, in)
			var limit *zoo.ImageLimitError
			if errors.Is(err, zoo.ErrBlankImage) {
				return nil, http.StatusBadRequest, err
			}
			if errors.As(err, &limit) {
				return nil, http.StatusRequestEntityTooLarge, err
			}
			if err != nil {
				return nil, http.StatusInternalServerError, errors.Wrapf(err, "preparing the image for %s", m.Name)
			}
			inputs[in] = x
		}
		start := time.Now()
		preds, err := m.Predictor.Predict(r.Context(), x)
		seconds := time.Since(start).Seconds()
		if err != nil {
			return nil, http.StatusInternalServerError, errors.Wrap(err, m.Name)
		}
		p := preds[0]
		answers = append(answers, Answer{
			Model: m.Name, Class: p.Class, Label: m.label(p.Class),
			Probabilities: p.Probabilities, Seconds: seconds,
		})
	}
	return answers, http.StatusOK, nil
}

func fail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // cannot happen with the types above
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
