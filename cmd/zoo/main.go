// Command zoo trains the course's reference models on MNIST and prints their
// test accuracy and training time side by side.
//
//	go run ./cmd/zoo                      # the seven models, the course's protocol
//	go run ./cmd/zoo -model cnn2          # one model
//	go run ./cmd/zoo -model model1,cnn2 -epochs 1
//	go run ./cmd/zoo -list                # names, aliases, parameter counts
//	go run ./cmd/zoo -model model1,model3 -seeds 0,1,2   # repeats, mean ± std, 95% CI
//	go run ./cmd/zoo report -out zoo-report zoo-results.jsonl   # Markdown, CSV, plots
//	go run ./cmd/zoo compare a.jsonl b.jsonl                    # two result sets side by side
//	go run ./cmd/zoo -dataset cifar10     # another catalog dataset, or -dataset DIR
//
// Results go to stdout as a table and are appended, one JSON line per run,
// to the results file (-out). Progress goes to stderr when it is a terminal.
// Exit status: 0 on success, 1 when a run failed or diverged, 2 for bad
// usage, 130 or 143 when interrupted by SIGINT or SIGTERM (finished runs are
// kept in the results file).
package main

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	var received atomic.Value
	go func() {
		s := <-signals
		received.Store(s)
		cancel()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr))
	if code == exitInterrupted && received.Load() == syscall.SIGTERM {
		code = 143
	}
	os.Exit(code)
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
