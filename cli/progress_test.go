package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorgonia-zoo/zoo/internal/mnisttest"
	"github.com/gorgonia-zoo/zoo/zoo"
)

func TestProgressLinesAndBar(t *testing.T) {
	cfg := zoo.DefaultConfig()
	cfg.Epochs = 2
	steps := func(r *progressReporter) {
		r.start("cnn2", 7, cfg)
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
	r.width = func() int { return 120 }
	steps(r)
	if out := bar.String(); !strings.Contains(out, "\rrun 1/1  cnn2  seed 7  epoch 2/2  [") || !strings.Contains(out, "cnn2     seed 7  epoch 2/2  loss 0.2500") {
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

// TestBarFitsTheTerminal: on any width the bar's line takes at most
// width-1 columns, a narrower terminal showing some of the same fields; on a
// terminal of that width (an emulation that wraps as terminals do), a run's
// redraws leave no stale line: what stays on screen is the epochs' lines.
func TestBarFitsTheTerminal(t *testing.T) {
	states := []barState{
		{run: 3, runs: 21, model: "cnn2", seed: 0, left: 95 * time.Second,
			progress: zoo.Progress{Epoch: 2, Epochs: 5, Step: 120, Steps: 600, Loss: 0.1234, Seconds: 30}},
		{run: 123456, runs: 1000000, model: "emnist-wide-model", seed: 1 << 62, left: 1000 * time.Hour,
			progress: zoo.Progress{Epoch: 100, Epochs: 100, Step: 60000, Steps: 60000, Loss: 123456.5, Seconds: 1e6}},
		{run: 1, runs: 1, model: "model1", left: -1, progress: zoo.Progress{Epoch: 1, Epochs: 5, Step: 1, Steps: 600}},
	}
	for _, s := range states {
		var wider []string
		for width := 200; width >= 1; width-- {
			line := barLine(width, s)
			if n := utf8.RuneCountInString(line); n > max(width-1, 0) {
				t.Errorf("width %d: %d columns: %q", width, n, line)
			}
			if width > len(s.model) && !strings.HasPrefix(strings.TrimPrefix(line, fmt.Sprintf("run %d/%d  ", s.run, s.runs)), s.model) {
				t.Errorf("width %d: no model in %q", width, line)
			}
			fields := strings.Fields(line)
			for _, f := range fields {
				cut := len(fields) == 1 && strings.HasPrefix(s.model, f) // a terminal too narrow for the name
				if wider != nil && !slices.Contains(wider, f) && !strings.HasPrefix(f, "[") && !strings.HasSuffix(f, "]") && !cut {
					t.Errorf("width %d shows %q, which width %d did not: %q", width, f, width+1, line)
				}
			}
			wider = fields
		}
	}
	if line := barLine(60, states[0]); line != "cnn2  epoch 2/5  [=====                 ]   24%  1m35s left" {
		t.Errorf("at 60 columns: %q", line)
	}

	cfg := zoo.DefaultConfig()
	cfg.Epochs = 2
	for _, width := range []int{30, 60, 80, 200} {
		var out bytes.Buffer
		r := newProgressReporter(progressBar, &out, 7)
		r.interval = 0
		r.width = func() int { return width }
		r.start("model4", 1234, cfg)
		for e := 1; e <= 2; e++ {
			for s := 1; s <= 600; s += 7 {
				r.update(zoo.Progress{Model: "model4", Epoch: e, Epochs: 2, Step: s, Steps: 600, Loss: 0.1 * float64(s), Seconds: float64(s)})
			}
			r.update(zoo.Progress{Model: "model4", Epoch: e, Epochs: 2, Step: 600, Steps: 600, EpochEnd: true, Loss: 0.25, Seconds: 9})
		}
		r.update(zoo.Progress{Model: "model4", Epoch: 2, Epochs: 2, Step: 1, Steps: 600, Loss: 1, Seconds: 1})
		r.finish()
		want := []string{"model4   seed 1234  epoch 1/2  loss 0.2500  9.0s", "model4   seed 1234  epoch 2/2  loss 0.2500  9.0s"}
		if width < 50 {
			want = nil // the epochs' lines wrap: only the bar is checked
		}
		screen := emulateTerminal(out.String(), width)
		if want != nil && !slices.Equal(screen, want) {
			t.Errorf("width %d: the screen holds\n%s\nwant\n%s", width, strings.Join(screen, "\n"), strings.Join(want, "\n"))
		}
		for _, draw := range strings.Split(out.String(), "\r") {
			// The bar's redraws: the lasting lines end with a newline.
			if line := strings.TrimRight(draw, " "); !strings.Contains(draw, "\n") && utf8.RuneCountInString(line) > width-1 {
				t.Errorf("width %d: a redraw of %d columns: %q", width, utf8.RuneCountInString(line), line)
			}
		}
	}
}

// emulateTerminal plays out on a terminal width columns wide, which wraps
// a character written past its last column to the next row as terminals
// do, and returns its rows, trailing blanks and blank rows dropped.
func emulateTerminal(out string, width int) []string {
	rows := [][]rune{nil}
	row, col := 0, 0
	for _, c := range out {
		switch c {
		case '\r':
			col = 0
			continue
		case '\n':
			row, col = row+1, 0
		default:
			if col == width {
				row, col = row+1, 0
			}
		}
		for len(rows) <= row {
			rows = append(rows, nil)
		}
		if c == '\n' {
			continue
		}
		for len(rows[row]) <= col {
			rows[row] = append(rows[row], ' ')
		}
		rows[row][col] = c
		col++
	}
	var screen []string
	for _, r := range rows {
		if line := strings.TrimRight(string(r), " "); line != "" {
			screen = append(screen, line)
		}
	}
	return screen
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
					r.start("model1", 0, cfg)
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
