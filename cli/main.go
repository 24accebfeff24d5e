// Package cli is the zoo's command (cmd/zoo is a thin caller of Main), so
// that a program can run the same command with models of its own: register
// them with zoo.Register, then call cli.Main.
//
//	func main() {
//		zoo.Register(zoo.Architecture{Name: "mlp32", ...})
//		os.Exit(cli.Main(os.Args[1:]))
//	}
//
// The command trains the course's reference models on MNIST and prints their
// test accuracy and training time side by side.
//
//	go run ./cmd/zoo                      # the seven models, the course's protocol
//	go run ./cmd/zoo -model cnn2          # one model
//	go run ./cmd/zoo -model model1,cnn2 -epochs 1
//	go run ./cmd/zoo -list                # names, aliases, parameter counts
//	go run ./cmd/zoo -model model1,model3 -seeds 0,1,2   # repeats, mean ± std, 95% CI
//	go run ./cmd/zoo report -out zoo-report zoo-results.jsonl   # Markdown, CSV, plots
//	go run ./cmd/zoo compare a.jsonl b.jsonl                    # two result sets side by side
//	go run ./cmd/zoo inspect -model cnn2 -out pictures          # confusion matrix, worst mistakes, filters, feature maps
//	go run ./cmd/zoo -dataset cifar10     # another catalog dataset, or -dataset DIR
//	go run ./cmd/zoo serve                # draw a digit at http://127.0.0.1:8080/, every model answers
//	go run ./cmd/zoo export -out DIR      # the pretrained models as ONNX files (-load reads them back)
//
// Results go to stdout as a table and are appended, one JSON line per run,
// to the results file (-out). Progress goes to stderr: a bar on a terminal,
// else a line every few seconds and one per epoch (-quiet: none).
// Exit status: 0 on success, 1 when a run failed or diverged, 2 for bad
// usage, 130 or 143 when interrupted by SIGINT or SIGTERM (finished runs are
// kept in the results file). A first signal stops the command at its next
// step, with a line saying what was interrupted; a second ends it at once.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/gorgonia-zoo/zoo/internal/safetensors"
)

// Main runs the zoo's command with args (os.Args[1:] in a program) and
// returns its exit status, for os.Exit: 0 on success, 1 when a run failed or
// diverged, 2 for bad usage, 130 or 143 when interrupted by SIGINT or
// SIGTERM. It handles those two signals itself: a first one stops the
// command at its next step (finished runs are kept), a second ends the
// process at once. Models registered with zoo.Register before Main is called
// are trained, listed, served and exported like the zoo's own.
func Main(args []string) int {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	var received atomic.Value
	go func() {
		s := <-signals
		received.Store(s)
		cancel()
		// Records are whole lines written at once, so stopping now loses
		// at most the run in progress, which a first signal loses too.
		s = <-signals
		safetensors.RemoveTemporaries() // a save cut short leaves no file
		fmt.Fprintln(os.Stderr, "zoo: stopped at once by a second signal")
		os.Exit(exitCode(s))
	}()
	code := Run(ctx, args, os.Stdout, os.Stderr)
	if s, ok := received.Load().(os.Signal); ok && code == exitInterrupted {
		code = exitCode(s)
	}
	return code
}

// Run runs the command with args, results to stdout and progress and errors
// to stderr (a progress bar when stderr is a terminal), until it is done or
// ctx is cancelled (then it returns 130). It installs no signal handler: that
// is Main's, or the caller's.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, ok := stderr.(*os.File)
	return run(ctx, args, stdout, stderr, ok && isTerminal(f))
}

// exitCode is 128 + the signal's number, as shells report it: 130 for
// SIGINT, 143 for SIGTERM.
func exitCode(s os.Signal) int {
	if s == syscall.SIGTERM {
		return 143
	}
	return exitInterrupted
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
