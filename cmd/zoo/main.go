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
// kept in the results file; under go run, the go command exits 1 instead). A first signal stops the command at its next
// step, with a line saying what was interrupted; a second ends it at once.
package main

import (
	"os"

	"github.com/gorgonia-zoo/zoo/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
