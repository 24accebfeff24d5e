package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

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
	// width is the terminal's width in columns, asked at every redraw so
	// that the bar follows a resized window (tests set it).
	width func() int

	run       int // the current run, from 1
	model     string
	seed      int64
	evalEpoch bool
	drawn     int       // columns of the bar on screen, 0 when none
	last      time.Time // the last redraw or line
}

func newProgressReporter(mode progressMode, w io.Writer, runs int) *progressReporter {
	r := &progressReporter{mode: mode, w: w, runs: runs, interval: lineInterval, width: terminalWidth(w)}
	if mode == progressBar {
		r.interval = barInterval
	}
	return r
}

// defaultWidth is the width assumed when the terminal does not say.
const defaultWidth = 80

// terminalWidth returns a function that asks the terminal w writes to for
// its width, defaultWidth when w is not one or does not answer.
func terminalWidth(w io.Writer) func() int {
	f, ok := w.(*os.File)
	return func() int {
		if ok {
			if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
				return cols
			}
		}
		return defaultWidth
	}
}

// start begins the invocation's next run (the bar takes its steps from
// each update).
func (r *progressReporter) start(model string, seed int64, cfg zoo.Config) {
	r.run++
	r.model, r.seed, r.evalEpoch = model, seed, cfg.EvalEveryEpoch
	r.last = time.Time{}
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
	left := timeLeft(p, done)
	if r.mode == progressBar {
		r.draw(barLine(r.width(), barState{run: r.run, runs: r.runs, model: r.model, seed: r.seed, progress: p, left: left}))
		return
	}
	eta := ""
	if left >= 0 {
		eta = fmt.Sprintf(", about %s left", left)
	}
	fmt.Fprintf(r.w, "zoo: %s  step %d/%d  %.1fs%s\n", r.describe(p.Epoch, p.Epochs, p.Loss), p.Step, p.Steps, p.Seconds, eta)
}

// epochLine prints the lasting line of a finished epoch (above the bar).
func (r *progressReporter) epochLine(p zoo.Progress) {
	if r.drawn > 0 {
		r.clear()
		r.last = time.Time{} // redraw the bar at the next step
	}
	line := fmt.Sprintf("%-8s seed %d  epoch %d/%d  loss %.4f  %.1fs", p.Model, r.seed, p.Epoch, p.Epochs, p.Loss, p.Seconds)
	if r.evalEpoch {
		line += fmt.Sprintf("  test accuracy %.2f%%", 100*p.TestAccuracy)
	}
	fmt.Fprintln(r.w, line)
}

// finish ends the run's bar.
func (r *progressReporter) finish() { r.clear() }

// printf prints a lasting line, clearing a bar first.
func (r *progressReporter) printf(format string, args ...any) {
	if r.mode == progressNone {
		return
	}
	r.clear()
	fmt.Fprintf(r.w, format, args...)
}

// draw writes the bar's line over the one on screen. It needs no escape
// sequence: a carriage return, the line, and spaces over what is left of
// the previous one.
func (r *progressReporter) draw(line string) {
	n := utf8.RuneCountInString(line)
	fmt.Fprint(r.w, "\r"+line+strings.Repeat(" ", max(r.drawn-n, 0)))
	r.drawn = n
}

// clear blanks the bar's line, leaving the cursor at its start.
func (r *progressReporter) clear() {
	if r.drawn > 0 {
		fmt.Fprint(r.w, "\r"+strings.Repeat(" ", r.drawn)+"\r")
		r.drawn = 0
	}
}

// timeLeft extrapolates the run's remaining time from its pace so far, -1
// before there is a pace.
func timeLeft(p zoo.Progress, done int) time.Duration {
	total := p.Epochs * p.Steps
	if done <= 0 || p.Seconds <= 0 {
		return -1
	}
	return time.Duration(p.Seconds * float64(total-done) / float64(done) * float64(time.Second)).Round(time.Second)
}

// barState is what the bar shows.
type barState struct {
	run, runs int
	model     string
	seed      int64
	progress  zoo.Progress
	left      time.Duration // -1: not known yet
}

// Bar widths, in columns, between its brackets.
const (
	minBar = 10
	maxBar = 30
)

// barLine is the bar for a terminal width columns wide, in at most width-1
// columns (a character in the last column makes some terminals wrap): the
// fields that fit, taken by importance (model, percentage, epoch, time
// left, the bar itself, loss, run, seed, step) until one does not, shown in
// a fixed order,
// the bar then widened into what is left, up to maxBar. A terminal too
// narrow even for the model's name gets the line cut.
func barLine(width int, s barState) string {
	if width <= 0 {
		width = defaultWidth
	}
	room := width - 1
	p := s.progress
	done, total := (p.Epoch-1)*p.Steps+p.Step, p.Epochs*p.Steps
	frac := 0.0
	if total > 0 {
		frac = min(max(float64(done)/float64(total), 0), 1)
	}
	const bar = "\x00" // stands for the bar until its width is known
	fields := []struct {
		text     string
		priority int // lower: kept first
	}{
		{fmt.Sprintf("run %d/%d", s.run, s.runs), 6},
		{s.model, 0},
		{fmt.Sprintf("seed %d", s.seed), 7},
		{fmt.Sprintf("epoch %d/%d", p.Epoch, p.Epochs), 2},
		{bar, 4},
		{fmt.Sprintf("%3.0f%%", 100*frac), 1},
		{fmt.Sprintf("step %d/%d", p.Step, p.Steps), 8},
		{fmt.Sprintf("loss %.4f", p.Loss), 5},
		{fmt.Sprintf("%s left", s.left), 3},
	}
	if p.Loss <= 0 {
		fields[7].text = ""
	}
	if s.left < 0 {
		fields[8].text = ""
	}
	columns := func(text string) int {
		if text == bar {
			return minBar + 2
		}
		return utf8.RuneCountInString(text)
	}
	// Fields are taken by importance until one does not fit: a narrower
	// terminal shows fewer of the same, never a less important one instead.
	shown := make([]bool, len(fields))
	used := 0
fill:
	for priority := 0; priority <= 8; priority++ {
		for i, f := range fields {
			if f.priority != priority || f.text == "" {
				continue
			}
			need := columns(f.text)
			if used > 0 {
				need += 2
			}
			if used+need > room {
				break fill
			}
			shown[i], used = true, used+need
		}
	}
	var parts []string
	for i, f := range fields {
		if !shown[i] {
			continue
		}
		if f.text == bar {
			inner := min(minBar+room-used, maxBar)
			filled := int(frac * float64(inner))
			f.text = "[" + strings.Repeat("=", filled) + strings.Repeat(" ", inner-filled) + "]"
		}
		parts = append(parts, f.text)
	}
	line := strings.Join(parts, "  ")
	if len(parts) == 0 {
		line = s.model
	}
	if r := []rune(line); len(r) > room {
		line = string(r[:max(room, 0)])
	}
	return line
}
