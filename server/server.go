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
	"net/http"
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
	// largePixels: images over this are decoded and prepared one at a time,
	// since preparing one holds about 14 bytes a pixel (224 MB at
	// MaxPixels); smaller ones, such as the page's, never wait for them.
	largePixels = 1 << 20
)

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
	models []Model
	page   []byte
	large  chan struct{} // held while a large image is prepared
}

// New returns the handler serving the models, asked in the order given.
// Names must be distinct and non-empty.
func New(models ...Model) (http.Handler, error) {
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
	s := &server{models: models, page: page.Bytes(), large: make(chan struct{}, 1)}
	sub, _ := fs.Sub(static, "static")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.servePage)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(sub)))
	mux.HandleFunc("/predict", s.predict) // any method: others get a JSON 405
	mux.HandleFunc("GET /healthz", s.health)
	return mux, nil
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
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d MiB: too large for an image to classify", MaxBodyBytes>>20))
		return
	case err != nil:
		fail(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	case len(data) == 0:
		fail(w, http.StatusBadRequest, "the body is empty: POST an image (PNG, JPEG or GIF)")
		return
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		msg := "not a PNG, JPEG or GIF image"
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			msg += ": send the image itself as the body (curl --data-binary @digit.png), not a form"
		}
		fail(w, http.StatusUnsupportedMediaType, msg)
		return
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	switch {
	case cfg.Width < 1 || cfg.Height < 1:
		fail(w, http.StatusBadRequest, fmt.Sprintf("a %s of %d×%d pixels: nothing to read", format, cfg.Width, cfg.Height))
		return
	case pixels > MaxPixels:
		fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("a %s of %d×%d pixels: over the %d million pixels this server takes", format, cfg.Width, cfg.Height, MaxPixels>>20))
		return
	case pixels > largePixels:
		select {
		case s.large <- struct{}{}:
			defer func() { <-s.large }()
		case <-r.Context().Done():
			return // the client has gone
		}
	}
	img, err := zoo.ReadImage(bytes.NewReader(data))
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
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
			if errors.Is(err, zoo.ErrBlankImage) {
				return nil, http.StatusBadRequest, err
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
