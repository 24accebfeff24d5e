package server_test

import (
	"bytes"
	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/server"
)

// The models and MNIST's test set are loaded once for all the tests.
var (
	modelsOnce sync.Once
	models     []server.Model
	modelsErr  error
)

// testModels are the pretrained models, in the zoo's order, each with its
// own predictor.
func testModels(t testing.TB) []server.Model {
	t.Helper()
	modelsOnce.Do(func() {
		for _, name := range pretrained.Names() {
			m, _, err := pretrained.Open(name)
			if err != nil {
				modelsErr = err
				return
			}
			p, err := m.NewPredictor(1)
			if err != nil {
				modelsErr = err
				return
			}
			models = append(models, server.Model{Name: m.Arch.Name, Labels: loader.MNIST.ClassNames, Predictor: p})
		}
	})
	if modelsErr != nil {
		t.Fatal(modelsErr)
	}
	return models
}

func testHandler(t testing.TB) http.Handler {
	t.Helper()
	h, err := server.New(testModels(t)...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// testServer serves the pretrained models on 127.0.0.1 until the test ends.
func testServer(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(testHandler(t))
	t.Cleanup(srv.Close)
	return srv
}

func modelNames(t testing.TB) []string {
	var names []string
	for _, m := range testModels(t) {
		names = append(names, m.Name)
	}
	return names
}

// mnist is MNIST's test set, from the shared copy beside the repository
// or the module cache; the test is skipped without it (never downloaded).
func mnist(t testing.TB) *loader.Dataset {
	t.Helper()
	return mnisttest.Split(t).Test
}

// digitImage is test image i as a person's drawing would be: dark ink on
// white paper, scaled up 4 times.
func digitImage(d *loader.Dataset, i int) *image.Gray {
	const scale = 4
	img := image.NewGray(image.Rect(0, 0, d.Width*scale, d.Height*scale))
	px := d.Images[i*d.SampleSize():]
	for y := range d.Height * scale {
		for x := range d.Width * scale {
			img.SetGray(x, y, color.Gray{Y: 255 - px[(y/scale)*d.Width+x/scale]})
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
