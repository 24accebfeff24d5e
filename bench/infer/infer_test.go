package infer

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"github.com/gorgonia-zoo/zoo/pretrained"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// batches are the two sizes measured: one image per call (latency) and
// 1000 per call (throughput).
var batches = []int{1, 1000}

var (
	testOnce   sync.Once
	testImages []float32 // 10000 × 784, pixels / 255
)

// mnistTest returns the MNIST test images as Predict takes them: float32
// pixels over 255 (zoo.ImageInput's and the course's ToTensor scaling),
// N×1×28×28 row-major, loaded once (mnisttest: skipped without MNIST,
// unless $ZOO_REQUIRE_MNIST is 1).
func mnistTest(b *testing.B) []float32 {
	split := mnisttest.Split(b)
	testOnce.Do(func() {
		testImages = make([]float32, len(split.Test.Images))
		for i, p := range split.Test.Images {
			testImages[i] = float32(p) / 255
		}
	})
	return testImages
}

// model returns the named model with its pretrained weights, or zoo.New's
// seed-0 weights where there are none, and which it is.
func model(b *testing.B, name string) (*zoo.Model, string) {
	if m, err := pretrained.Load(name); err == nil {
		return m, "pretrained"
	}
	a, err := zoo.Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	m, err := zoo.New(a, zoo.MNISTInput, 0)
	if err != nil {
		b.Fatal(err)
	}
	return m, "seed 0"
}

// BenchmarkInfer runs Predict on batches of consecutive test images, going
// round the 10000 of them, after one warm-up call (which builds the batch
// graph and sizes the ops' buffers), and reports images per second.
func BenchmarkInfer(b *testing.B) {
	for _, name := range zoo.CourseModels() {
		b.Run(name, func(b *testing.B) {
			for _, batch := range batches {
				b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
					benchPredict(b, name, batch)
				})
			}
		})
	}
}

func benchPredict(b *testing.B, name string, batch int) {
	xs := mnistTest(b)
	m, weights := model(b, name)
	p, err := m.NewPredictor(batch)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	size := m.Input.Channels * m.Input.Height * m.Input.Width
	n := len(xs) / size
	if n < batch {
		b.Fatalf("%d test images, fewer than a batch of %d", n, batch)
	}
	ctx := context.Background()
	next := 0
	predict := func() {
		if next+batch > n {
			next = 0
		}
		out, err := p.Predict(ctx, xs[next*size:(next+batch)*size])
		if err != nil {
			b.Fatal(err)
		}
		if len(out) != batch {
			b.Fatalf("%d predictions for %d images", len(out), batch)
		}
		next += batch
	}
	predict()
	b.Logf("%s (%s weights), batch %d", name, weights, batch)
	b.ReportAllocs()
	for b.Loop() {
		predict()
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "img/s")
}
