package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// progressMode is how training progress is shown on stderr.
type progressMode int

const (
	progressNone  progressMode = iota // -quiet
	progressLines                     // stderr is not a terminal: a plain line now and then
	progressBar                       // a terminal: a bar redrawn in place
)

// Refresh intervals: a bar redraws a few times a second; plain lines (a
// log file, CI) come at most every lineInterval.
const (
	barInterval  = 150 * time.Millisecond
	lineInterval = 5 * time.Second
)

// progressReporter shows one run after another: run k of N, model, seed,
// epoch, step, loss and the time left, and a line at the end of each epoch.
type progressReporter struct {
	mode     progressMode
	w        io.Writer
	runs     int // runs in this invocation
	interval time.Duration

	run       int // the current run, from 1
	model     string
	seed      int64
	evalEpoch bool
	bar       *progressbar.ProgressBar
	last      time.Time // the last redraw or line
}

func newProgressReporter(mode progressMode, w io.Writer, runs int) *progressReporter {
	r := &progressReporter{mode: mode, w: w, runs: runs, interval: lineInterval}
	if mode == progressBar {
		r.interval = barInterval
	}
	return r
}

// start begins run k of the invocation.
func (r *progressReporter) start(model string, seed int64, cfg zoo.Config, stepsPerEpoch int) {
	r.run++
	r.model, r.seed, r.evalEpoch = model, seed, cfg.EvalEveryEpoch
	r.last = time.Time{}
	if r.mode != progressBar {
		return
	}
	r.bar = progressbar.NewOptions(cfg.Epochs*stepsPerEpoch,
		progressbar.OptionSetWriter(r.w),
		progressbar.OptionSetDescription(r.describe(1, cfg.Epochs, 0)),
		progressbar.OptionSetWidth(24),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(barInterval),
		progressbar.OptionClearOnFinish(),
	)
}

func (r *progressReporter) describe(epoch, epochs int, loss float64) string {
	d := fmt.Sprintf("run %d/%d %-6s seed %d  epoch %d/%d", r.run, r.runs, r.model, r.seed, epoch, epochs)
	if loss > 0 {
		d += fmt.Sprintf("  loss %.4f", loss)
	}
	return d
}

// update is the harness's progress callback.
func (r *progressReporter) update(p zoo.Progress) {
	if r.mode == progressNone {
		return
	}
	if p.EpochEnd {
		r.epochLine(p)
		return
	}
	now := time.Now()
	if now.Sub(r.last) < r.interval {
		return
	}
	r.last = now
	done := (p.Epoch-1)*p.Steps + p.Step
	if r.mode == progressBar {
		r.bar.Set(done)
		r.bar.Describe(r.describe(p.Epoch, p.Epochs, p.Loss))
		return
	}
	eta := ""
	if total := p.Epochs * p.Steps; done > 0 && p.Seconds > 0 {
		eta = fmt.Sprintf(", about %s left", time.Duration(p.Seconds*float64(total-done)/float64(done)*float64(time.Second)).Round(time.Second))
	}
	fmt.Fprintf(r.w, "zoo: %s  step %d/%d  %.1fs%s\n", r.describe(p.Epoch, p.Epochs, p.Loss), p.Step, p.Steps, p.Seconds, eta)
}

// epochLine prints the lasting line of a finished epoch (above the bar).
func (r *progressReporter) epochLine(p zoo.Progress) {
	if r.bar != nil {
		r.bar.Clear()
		r.last = time.Time{} // redraw the bar at the next step
	}
	line := fmt.Sprintf("%-8s seed %d  epoch %d/%d  loss %.4f  %.1fs", p.Model, r.seed, p.Epoch, p.Epochs, p.Loss, p.Seconds)
	if r.evalEpoch {
		line += fmt.Sprintf("  test accuracy %.2f%%", 100*p.TestAccuracy)
	}
	fmt.Fprintln(r.w, line)
}

// finish ends the run's bar.
func (r *progressReporter) finish() {
	if r.bar != nil {
		r.bar.Clear()
		r.bar.Exit()
		r.bar = nil
	}
}

// printf prints a lasting line, clearing a bar first.
func (r *progressReporter) printf(format string, args ...any) {
	if r.mode == progressNone {
		return
	}
	if r.bar != nil {
		r.bar.Clear()
	}
	fmt.Fprintf(r.w, format, args...)
}
