package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
	// exitInterrupted is 128+SIGINT; main reports 143 for SIGTERM.
	exitInterrupted = 130
)

// options are the command's flags.
type options struct {
	models  string
	cfg     zoo.Config
	data    string
	out     string
	save    string
	load    string
	list    bool
	verbose bool
	trainN  int
	testN   int
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{cfg: zoo.DefaultConfig()}
	fs := flag.NewFlagSet("zoo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.models, "model", "all", "models to train: a name, a comma-separated list, or all")
	fs.IntVar(&o.cfg.Epochs, "epochs", o.cfg.Epochs, "training epochs")
	fs.Float64Var(&o.cfg.LR, "lr", o.cfg.LR, "SGD learning rate")
	fs.IntVar(&o.cfg.BatchSize, "batch", o.cfg.BatchSize, "training batch size")
	fs.Int64Var(&o.cfg.Seed, "seed", o.cfg.Seed, "seed of initialisation and shuffling")
	fs.IntVar(&o.cfg.EvalBatchSize, "eval-batch", o.cfg.EvalBatchSize, "evaluation batch size")
	fs.StringVar(&o.data, "data", "", "folder holding the four MNIST files (default: $ZOO_DATA, the Go module cache, the user cache, then a download)")
	fs.StringVar(&o.out, "out", "zoo-results.jsonl", "JSON-lines file each run is appended to")
	fs.StringVar(&o.save, "save", "", "folder to write each trained model to, as MODEL.safetensors")
	fs.StringVar(&o.load, "load", "", "safetensors weights to evaluate instead of training (one model)")
	fs.BoolVar(&o.list, "list", false, "list the models and exit")
	fs.BoolVar(&o.verbose, "v", false, "report progress on stderr even when it is not a terminal")
	fs.IntVar(&o.trainN, "train-samples", 0, "train on the first N training samples only (0: all), for quick runs")
	fs.IntVar(&o.testN, "test-samples", 0, "evaluate on the first N test samples only (0: all)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: zoo [flags]\n\nTrains the course's reference models on MNIST and prints test accuracy and training time.\nModels: %s (or all).\n\nFlags:\n", strings.Join(zoo.Names(), ", "))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := o.cfg.Validate(); err != nil {
		return nil, err
	}
	if o.trainN < 0 || o.testN < 0 {
		return nil, fmt.Errorf("-train-samples and -test-samples must not be negative")
	}
	if o.trainN > 0 && o.trainN < o.cfg.BatchSize {
		return nil, fmt.Errorf("-train-samples %d is smaller than one batch (-batch %d)", o.trainN, o.cfg.BatchSize)
	}
	return o, nil
}

// selectModels resolves -model to architectures, in the order given.
func selectModels(spec string) ([]zoo.Architecture, error) {
	var names []string
	if strings.EqualFold(strings.TrimSpace(spec), "all") {
		names = zoo.Names()
	} else {
		for _, n := range strings.Split(spec, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		return nil, errors.New("no model given to -model")
	}
	var archs []zoo.Architecture
	seen := map[string]bool{}
	for _, n := range names {
		a, err := zoo.Lookup(n)
		if err != nil {
			return nil, err
		}
		if !seen[a.Name] {
			seen[a.Name] = true
			archs = append(archs, a)
		}
	}
	return archs, nil
}

// run is the whole command; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, showProgress bool) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "zoo:", err)
		return exitUsage
	}
	if o.list {
		return listModels(stdout, stderr)
	}
	archs, err := selectModels(o.models)
	if err != nil {
		fmt.Fprintln(stderr, "zoo:", err)
		return exitUsage
	}
	if o.load != "" && len(archs) != 1 {
		fmt.Fprintln(stderr, "zoo: -load evaluates one model: give it with -model")
		return exitUsage
	}
	// Everything that can fail before training fails now, not after an hour.
	results, err := zoo.OpenResults(o.out)
	if err != nil {
		fmt.Fprintln(stderr, "zoo:", err)
		return exitFailed
	}
	if o.save != "" {
		if err := os.MkdirAll(o.save, 0o755); err != nil {
			fmt.Fprintln(stderr, "zoo: -save:", err)
			return exitFailed
		}
	}
	data, err := loader.Load(ctx, loader.MNIST, loader.Options{Dir: o.data, Logf: func(format string, args ...any) {
		fmt.Fprintf(stderr, "zoo: "+format+"\n", args...)
	}})
	if err != nil {
		fmt.Fprintln(stderr, "zoo:", err)
		return exitFailed
	}
	data = data.Head(o.trainN, o.testN)
	showProgress = showProgress || o.verbose

	env := zoo.CurrentEnvironment()
	var rows []row
	code := exitOK
	for _, a := range archs {
		r, err := runOne(ctx, a, data, o, showProgress, stderr)
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "zoo: interrupted during %s; %d finished runs are in %s\n", a.Name, len(rows), results.Path())
			printTable(stdout, rows)
			return exitInterrupted
		}
		var diverged *zoo.DivergedError
		switch {
		case errors.As(err, &diverged):
			fmt.Fprintln(stderr, "zoo:", err)
			params, _ := a.Params(zoo.InputOf(data.Train))
			rec := zoo.NewFailedRecord(a.Name, params, "diverged", err, o.cfg, data.Train.Name, env)
			if err := results.Append(rec); err != nil {
				fmt.Fprintln(stderr, "zoo:", err)
				return exitFailed
			}
			rows = append(rows, row{name: a.Name, params: rec.Params, status: fmt.Sprintf("diverged (epoch %d, step %d)", diverged.Epoch, diverged.Step)})
			code = exitFailed
			continue
		case err != nil:
			fmt.Fprintln(stderr, "zoo:", err)
			printTable(stdout, rows)
			return exitFailed
		}
		if err := results.Append(zoo.NewRecord(r, o.cfg, data.Train.Name, env)); err != nil {
			fmt.Fprintln(stderr, "zoo:", err)
			return exitFailed
		}
		rows = append(rows, row{name: a.Name, params: r.Params, result: r, loaded: o.load != ""})
	}
	printTable(stdout, rows)
	return code
}

// runOne trains (or, with -load, loads) and evaluates one model, saving it
// with -save.
func runOne(ctx context.Context, a zoo.Architecture, data *loader.Split, o *options, showProgress bool, stderr io.Writer) (*zoo.Result, error) {
	progress := func(p zoo.Progress) {
		if showProgress {
			fmt.Fprintf(stderr, "%-8s epoch %d/%d  loss %.4f  %.1fs\n", p.Model, p.Epoch, p.Epochs, p.Loss, p.Seconds)
		}
	}
	var res *zoo.Result
	var model *zoo.Model
	var err error
	if o.load != "" {
		res, model, err = evaluateLoaded(ctx, a, data, o)
	} else {
		res, model, err = zoo.Run(ctx, a, data, o.cfg, progress)
	}
	if err != nil {
		return nil, err
	}
	if o.save != "" {
		path := filepath.Join(o.save, a.Name+".safetensors")
		if err := model.Save(path); err != nil {
			return nil, err
		}
		if showProgress {
			fmt.Fprintf(stderr, "%-8s saved to %s\n", a.Name, path)
		}
	}
	return res, nil
}

func evaluateLoaded(ctx context.Context, a zoo.Architecture, data *loader.Split, o *options) (*zoo.Result, *zoo.Model, error) {
	m, err := zoo.New(a, zoo.InputOf(data.Test), o.cfg.Seed)
	if err != nil {
		return nil, nil, err
	}
	if err := m.Load(o.load); err != nil {
		return nil, nil, err
	}
	res := &zoo.Result{Model: a.Name, Params: m.Store.Count()}
	res.Correct, res.Total, err = m.Evaluate(ctx, data.Test, o.cfg.EvalBatchSize)
	if err != nil {
		return nil, nil, err
	}
	res.TestAccuracy = float64(res.Correct) / float64(res.Total)
	return res, m, nil
}

// row is one line of the results table.
type row struct {
	name   string
	params int
	result *zoo.Result
	loaded bool
	status string
}

func printTable(w io.Writer, rows []row) {
	if len(rows) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tparameters\ttest accuracy\ttrain s\tsamples/s\t")
	for _, r := range rows {
		switch {
		case r.result == nil:
			fmt.Fprintf(tw, "%s\t%d\t%s\t\t\t\n", r.name, r.params, r.status)
		case r.loaded:
			fmt.Fprintf(tw, "%s\t%d\t%.2f%%\t(loaded)\t\t\n", r.name, r.params, 100*r.result.TestAccuracy)
		default:
			fmt.Fprintf(tw, "%s\t%d\t%.2f%%\t%.1f\t%.0f\t\n", r.name, r.params, 100*r.result.TestAccuracy, r.result.TrainSeconds, r.result.SamplesPerSecond)
		}
	}
	tw.Flush()
}

func listModels(stdout, stderr io.Writer) int {
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tcourse class\taliases\tparameters\tdescription")
	for _, name := range zoo.Names() {
		a, err := zoo.Lookup(name)
		if err != nil {
			fmt.Fprintln(stderr, "zoo:", err)
			return exitFailed
		}
		n, err := a.Params(zoo.MNISTInput)
		if err != nil {
			fmt.Fprintln(stderr, "zoo:", err)
			return exitFailed
		}
		aliases := strings.Join(a.Aliases, ", ")
		if aliases == "" {
			aliases = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", a.Name, a.Class, aliases, n, a.Description)
	}
	tw.Flush()
	return exitOK
}
