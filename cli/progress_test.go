package cli

import (
	"bytes"
	"context"
	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"io"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/zoo"
)

func TestProgressLinesAndBar(t *testing.T) {
	cfg := zoo.DefaultConfig()
	cfg.Epochs = 2
	steps := func(r *progressReporter) {
		r.start("cnn2", 7, cfg, 10)
		for e := 1; e <= 2; e++ {
			for s := 1; s <= 10; s++ {
				r.update(zoo.Progress{Model: "cnn2", Epoch: e, Epochs: 2, Step: s, Steps: 10, Loss: 0.5, Seconds: float64((e-1)*10 + s)})
			}
			r.update(zoo.Progress{Model: "cnn2", Epoch: e, Epochs: 2, Step: 10, Steps: 10, EpochEnd: true, Loss: 0.25, Seconds: float64(e * 10)})
		}
		r.finish()
	}
	var lines bytes.Buffer
	r := newProgressReporter(progressLines, &lines, 3)
	r.interval = 0 // every step gets a line here
	steps(r)
	out := lines.String()
	for _, want := range []string{
		"zoo: run 1/3 cnn2   seed 7  epoch 1/2  loss 0.5000  step 1/10  1.0s, about 19s left",
		"cnn2     seed 7  epoch 1/2  loss 0.2500  10.0s",
		"zoo: run 1/3 cnn2   seed 7  epoch 2/2  loss 0.5000  step 10/10  20.0s, about 0s left",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no line %q in:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 22 {
		t.Errorf("%d lines, want 20 steps and 2 epochs", n)
	}

	var bar bytes.Buffer
	r = newProgressReporter(progressBar, &bar, 1)
	r.interval = 0
	steps(r)
	if out := bar.String(); !strings.Contains(out, "run 1/1 cnn2") || !strings.Contains(out, "cnn2     seed 7  epoch 2/2  loss 0.2500") {
		t.Errorf("bar output:\n%q", out)
	}

	var none bytes.Buffer
	r = newProgressReporter(progressNone, &none, 1)
	steps(r)
	r.printf("x\n")
	if none.Len() != 0 {
		t.Errorf("-quiet wrote %q", none.String())
	}
}

// BenchmarkProgress trains model1 for an epoch on 6,000 images without a
// progress callback, with the bar and with the plain lines (both to
// io.Discard, redrawing as often as on a terminal): the ns/op of the three
// say what showing progress costs.
func BenchmarkProgress(b *testing.B) {
	data := mnisttest.Split(b)
	arch, _ := zoo.Lookup("model1")
	cfg := zoo.DefaultConfig()
	cfg.Epochs, cfg.TrainSamples, cfg.TestSamples = 1, 6000, 1000
	for _, c := range []struct {
		name string
		mode progressMode
	}{{"none", progressNone}, {"bar", progressBar}, {"lines", progressLines}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				var callback func(zoo.Progress)
				if c.mode != progressNone {
					r := newProgressReporter(c.mode, io.Discard, 1)
					r.interval = barInterval
					r.start("model1", 0, cfg, 60)
					callback = r.update
					defer r.finish()
				}
				if _, _, err := zoo.Run(context.Background(), arch, data, cfg, callback); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
