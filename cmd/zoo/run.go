package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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
	seeds   []int64
	data    string
	out     string
	save    string
	load    string
	list    bool
	resume  bool
	verbose bool

	// dataset is -dataset resolved: a catalog entry, or (folder.Dir set) a
	// folder of one's own with the file names and classes of its flags.
	dataset loader.Entry
	folder  loader.Folder
}

// seedList is the -seeds flag: comma-separated integers.
type seedList struct{ seeds *[]int64 }

func (s seedList) String() string {
	if s.seeds == nil {
		return ""
	}
	var parts []string
	for _, v := range *s.seeds {
		parts = append(parts, strconv.FormatInt(v, 10))
	}
	return strings.Join(parts, ",")
}

func (s seedList) Set(v string) error {
	*s.seeds = nil
	for _, part := range strings.Split(v, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not an integer seed", part)
		}
		*s.seeds = append(*s.seeds, n)
	}
	return nil
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{cfg: zoo.DefaultConfig()}
	fs := flag.NewFlagSet("zoo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.models, "model", "all", "models to train: a name, a comma-separated list, or all")
	fs.IntVar(&o.cfg.Epochs, "epochs", o.cfg.Epochs, "training epochs")
	fs.Float64Var(&o.cfg.LR, "lr", o.cfg.LR, "SGD learning rate")
	fs.IntVar(&o.cfg.BatchSize, "batch", o.cfg.BatchSize, "training batch size")
	seed := fs.Int64("seed", 0, "seed of initialisation and shuffling")
	fs.Var(seedList{&o.seeds}, "seeds", "comma-separated seeds: one run per model and seed (e.g. 0,1,2)")
	repeats := fs.Int("repeats", 0, "runs per model, with seeds -seed, -seed+1, ...")
	fs.IntVar(&o.cfg.EvalBatchSize, "eval-batch", o.cfg.EvalBatchSize, "evaluation batch size (does not change results)")
	fs.BoolVar(&o.cfg.EvalEveryEpoch, "eval-every-epoch", false, "evaluate the test set after every epoch (learning curves)")
	fs.IntVar(&o.cfg.TrainSamples, "train-samples", 0, "train on the first N training samples only (0: all), for quick runs")
	fs.IntVar(&o.cfg.TestSamples, "test-samples", 0, "evaluate on the first N test samples only (0: all)")
	dataset := fs.String("dataset", loader.MNIST.Name, "dataset: a catalog name ("+strings.Join(loader.Names(), ", ")+") or a folder holding four IDX files")
	fs.StringVar(&o.folder.TrainImages, "train-images", "", "with -dataset DIR: training images file in DIR (default "+loader.MNIST.TrainImages.Name+")")
	fs.StringVar(&o.folder.TrainLabels, "train-labels", "", "with -dataset DIR: training labels file in DIR (default "+loader.MNIST.TrainLabels.Name+")")
	fs.StringVar(&o.folder.TestImages, "test-images", "", "with -dataset DIR: test images file in DIR (default "+loader.MNIST.TestImages.Name+")")
	fs.StringVar(&o.folder.TestLabels, "test-labels", "", "with -dataset DIR: test labels file in DIR (default "+loader.MNIST.TestLabels.Name+")")
	fs.IntVar(&o.folder.Classes, "classes", 0, "with -dataset DIR: number of classes (default: largest label + 1)")
	fs.StringVar(&o.data, "data", "", "folder holding the files of the -dataset (default: $ZOO_DATA, the Go module cache, the user cache, then a download)")
	fs.StringVar(&o.out, "out", "zoo-results.jsonl", "JSON-lines file each run is appended to")
	fs.BoolVar(&o.resume, "resume", false, "skip runs already recorded in -out (same model, configuration and seed)")
	fs.StringVar(&o.save, "save", "", "folder to write each trained model to, as MODEL.safetensors")
	fs.StringVar(&o.load, "load", "", "safetensors weights to evaluate instead of training (one model)")
	fs.BoolVar(&o.list, "list", false, "list the models and exit")
	fs.BoolVar(&o.verbose, "v", false, "report progress on stderr even when it is not a terminal")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: zoo [flags]\n       zoo report [-out DIR] FILE...\n       zoo compare A.jsonl B.jsonl\n\nTrains the course's reference models on MNIST (or -dataset) and prints test accuracy and training time.\nModels: %s (or all).\n\nFlags:\n", strings.Join(zoo.Names(), ", "))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case set["seeds"] && (set["repeats"] || set["seed"]):
		return nil, errors.New("-seeds cannot be combined with -seed or -repeats")
	case set["repeats"] && *repeats < 1:
		return nil, fmt.Errorf("-repeats must be at least 1, got %d", *repeats)
	case set["repeats"]:
		for i := 0; i < *repeats; i++ {
			o.seeds = append(o.seeds, *seed+int64(i))
		}
	case !set["seeds"]:
		o.seeds = []int64{*seed}
	}
	if len(o.seeds) == 0 {
		return nil, errors.New("-seeds is empty")
	}
	if err := o.selectDataset(*dataset, set); err != nil {
		return nil, err
	}
	if o.load != "" && (set["resume"] || set["save"] || len(o.seeds) > 1 || set["eval-every-epoch"]) {
		return nil, errors.New("-load evaluates given weights: it takes no -resume, -save, -seeds, -repeats or -eval-every-epoch")
	}
	if err := o.cfg.Validate(); err != nil {
		return nil, err
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
	if len(args) > 0 {
		switch args[0] {
		case "report":
			return runReport(args[1:], stdout, stderr)
		case "compare":
			return runCompare(args[1:], stdout, stderr)
		}
	}
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "zoo:", err)
		return exitUsage
	}
	if o.list {
		in, err := o.input()
		if err != nil {
			fmt.Fprintln(stderr, "zoo:", err)
			return exitFailed
		}
		fmt.Fprintf(stdout, "dataset %s: %d×%d×%d inputs, %d classes\n", o.datasetName(), in.Channels, in.Height, in.Width, in.Classes)
		return listModels(stdout, stderr, in)
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
	showProgress = showProgress || o.verbose
	fail := func(err error) int {
		fmt.Fprintln(stderr, "zoo:", err)
		return exitFailed
	}
	data, err := o.loadData(ctx, func(format string, args ...any) {
		if showProgress {
			fmt.Fprintf(stderr, "zoo: "+format+"\n", args...)
		}
	})
	if err != nil {
		return fail(err)
	}
	if n := data.Train.Head(o.cfg.TrainSamples).N; o.cfg.BatchSize > n {
		fmt.Fprintf(stderr, "zoo: -batch %d is larger than the %d training samples\n", o.cfg.BatchSize, n)
		return exitUsage
	}
	if o.load != "" {
		return evaluateLoaded(ctx, archs[0], data, o, stdout, stderr)
	}
	// Everything that can fail before training fails now, not after an hour.
	results, err := zoo.OpenResults(o.out)
	if err != nil {
		return fail(err)
	}
	done := map[zoo.Key]zoo.Record{}
	if o.resume {
		recs, warnings, err := zoo.ReadRecordsFile(o.out)
		if err != nil {
			return fail(err)
		}
		for _, w := range warnings {
			fmt.Fprintln(stderr, "zoo: warning:", w)
		}
		for _, r := range recs {
			if r.Status == zoo.StatusOK || r.Status == zoo.StatusDiverged {
				done[r.Key()] = r
			}
		}
	}
	if o.save != "" {
		if err := os.MkdirAll(o.save, 0o755); err != nil {
			return fail(fmt.Errorf("-save: %w", err))
		}
	}

	env := zoo.CurrentEnvironment()
	dataset := data.Train.Name
	var table resultsTable
	code := exitOK
	for _, a := range archs {
		for _, seed := range o.seeds {
			cfg := o.cfg
			cfg.Seed = seed
			if rec, ok := done[zoo.RunKey(a.Name, dataset, cfg)]; ok {
				if showProgress {
					fmt.Fprintf(stderr, "%-8s seed %d: recorded already, skipped (-resume)\n", a.Name, seed)
				}
				table.add(rec)
				continue
			}
			rec, err := trainOne(ctx, a, data, dataset, cfg, env, o, showProgress, stderr)
			if ctx.Err() != nil {
				fmt.Fprintf(stderr, "zoo: interrupted during %s (seed %d); the %d finished runs are in %s; -resume goes on from there\n", a.Name, seed, table.runs(), results.Path())
				table.print(stdout)
				return exitInterrupted
			}
			if err != nil && rec.Status == "" {
				table.print(stdout)
				return fail(err)
			}
			if err != nil {
				fmt.Fprintln(stderr, "zoo:", err)
				code = exitFailed
			}
			if err := results.Append(rec); err != nil {
				table.print(stdout)
				return fail(err)
			}
			table.add(rec)
		}
	}
	table.print(stdout)
	return code
}

// trainOne trains and evaluates one model with one seed and returns its
// record. A diverged run returns its record and the error; other errors
// return no record.
func trainOne(ctx context.Context, a zoo.Architecture, data *loader.Split, dataset string, cfg zoo.Config, env zoo.Environment, o *options, showProgress bool, stderr io.Writer) (zoo.Record, error) {
	progress := func(p zoo.Progress) {
		if !showProgress {
			return
		}
		line := fmt.Sprintf("%-8s seed %d  epoch %d/%d  loss %.4f  %.1fs", p.Model, cfg.Seed, p.Epoch, p.Epochs, p.Loss, p.Seconds)
		if cfg.EvalEveryEpoch {
			line += fmt.Sprintf("  test accuracy %.2f%%", 100*p.TestAccuracy)
		}
		fmt.Fprintln(stderr, line)
	}
	res, model, err := zoo.Run(ctx, a, data, cfg, progress)
	var diverged *zoo.DivergedError
	if errors.As(err, &diverged) {
		params, _ := a.Params(zoo.InputOf(data.Train))
		return zoo.NewFailedRecord(a.Name, params, err, cfg, dataset, env), err
	}
	if err != nil {
		return zoo.Record{}, err
	}
	if o.save != "" {
		name := a.Name
		if len(o.seeds) > 1 {
			name = fmt.Sprintf("%s-seed%d", a.Name, cfg.Seed)
		}
		path := filepath.Join(o.save, name+".safetensors")
		if err := model.Save(path); err != nil {
			return zoo.Record{}, err
		}
		if showProgress {
			fmt.Fprintf(stderr, "%-8s saved to %s\n", a.Name, path)
		}
	}
	return zoo.NewRecord(res, cfg, dataset, env), nil
}

// evaluateLoaded evaluates weights from -load on the test set; nothing is
// trained, so nothing is recorded.
func evaluateLoaded(ctx context.Context, a zoo.Architecture, data *loader.Split, o *options, stdout, stderr io.Writer) int {
	test := data.Test.Head(o.cfg.TestSamples)
	m, err := zoo.New(a, zoo.InputOf(test), 0)
	if err == nil {
		err = m.Load(o.load)
	}
	var correct, total int
	if err == nil {
		correct, total, err = m.Evaluate(ctx, test, o.cfg.EvalBatchSize)
	}
	if ctx.Err() != nil {
		return exitInterrupted
	}
	if err != nil {
		fmt.Fprintln(stderr, "zoo:", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "%s\t%d parameters\tweights %s\ttest accuracy %.2f%% (%d/%d)\n", a.Name, m.Store.Count(), o.load, 100*float64(correct)/float64(total), correct, total)
	return exitOK
}

// selectDataset resolves -dataset: a catalog name, or else a folder. A value
// with a path separator is always a folder ("./mnist" is the folder).
func (o *options) selectDataset(v string, set map[string]bool) error {
	folderFlags := set["train-images"] || set["train-labels"] || set["test-images"] || set["test-labels"] || set["classes"]
	if !strings.ContainsAny(v, `/\`) {
		if e, err := loader.Lookup(v); err == nil {
			if folderFlags {
				return fmt.Errorf("-train-images, -train-labels, -test-images, -test-labels and -classes describe a folder given to -dataset DIR, not the catalog's %s", e.Name)
			}
			o.dataset = e
			return nil
		}
	}
	if st, err := os.Stat(v); err != nil || !st.IsDir() {
		return fmt.Errorf("unknown dataset %q: not in the catalog (%s) and not a folder", v, strings.Join(loader.Names(), ", "))
	}
	if set["data"] {
		return errors.New("-data is where a catalog dataset's files are; -dataset DIR names the folder already")
	}
	if o.folder.Classes < 0 || o.folder.Classes == 1 || o.folder.Classes > 256 {
		return fmt.Errorf("-classes must be in 2..256, got %d", o.folder.Classes)
	}
	o.folder.Dir = v
	return nil
}

// loadData loads the selected dataset.
func (o *options) loadData(ctx context.Context, logf func(string, ...any)) (*loader.Split, error) {
	if o.folder.Dir != "" {
		return loader.LoadFolder(ctx, o.folder)
	}
	return loader.Load(ctx, o.dataset, loader.Options{Dir: o.data, Logf: logf})
}

// input is what models are built for on the selected dataset; a folder is
// read to know it.
func (o *options) input() (zoo.Input, error) {
	if o.folder.Dir == "" {
		e := o.dataset
		return zoo.Input{Channels: e.Channels, Height: e.Height, Width: e.Width, Classes: e.Classes}, nil
	}
	data, err := loader.LoadFolder(context.Background(), o.folder)
	if err != nil {
		return zoo.Input{}, err
	}
	return zoo.InputOf(data.Train), nil
}

// datasetName names the selected dataset in messages.
func (o *options) datasetName() string {
	if o.folder.Dir != "" {
		return o.folder.Dir
	}
	return o.dataset.Name
}
