package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/onnx"
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
	quiet   bool
	// modelSet says -model was given (-load reads the model's name from
	// the file otherwise); command is the command line, for provenance.
	modelSet bool
	command  string
	// maxData bounds the dataset's memory (loader.Options.MaxBytes); 0
	// means no limit.
	maxData int64

	// dataset is -dataset resolved: a catalog entry, or (folder.Dir set) a
	// folder of one's own with the file names and classes of its flags.
	dataset loader.Entry
	folder  loader.Folder
}

// maxSeeds bounds the seeds of one invocation (-seeds, -repeats), checked
// before anything is allocated for them.
const maxSeeds = 10000

// seedList is the -seeds flag: comma-separated integers, each once.
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
	if n := strings.Count(v, ",") + 1; n > maxSeeds {
		return fmt.Errorf("%d seeds, more than the %d one invocation takes", n, maxSeeds)
	}
	*s.seeds = nil
	seen := map[int64]bool{}
	for _, part := range strings.Split(v, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("seed %s is out of range (%d to %d)", strings.TrimSpace(part), math.MinInt64, math.MaxInt64)
		}
		if err != nil {
			return fmt.Errorf("%q is not an integer seed", part)
		}
		if seen[n] {
			return fmt.Errorf("seed %d is given twice: the runs would be the same", n)
		}
		seen[n] = true
		*s.seeds = append(*s.seeds, n)
	}
	return nil
}

// byteSize is a flag holding a number of bytes, written with a unit:
// "4GiB", "512MB", "1e9" (bytes).
type byteSize struct{ n *int64 }

var byteUnits = []struct {
	suffix string
	scale  float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

func (b byteSize) String() string {
	if b.n == nil {
		return ""
	}
	return formatBytes(*b.n)
}

func (b byteSize) Set(v string) error {
	num, scale := strings.TrimSpace(v), 1.0
	for _, u := range byteUnits {
		if strings.HasSuffix(num, u.suffix) {
			num, scale = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.scale
			break
		}
	}
	x, err := strconv.ParseFloat(num, 64)
	if err != nil || x < 0 || math.IsInf(x*scale, 0) || x*scale > math.MaxInt64/2 {
		return fmt.Errorf("%q is not a size (like 4GiB, 512MB or 0)", v)
	}
	*b.n = int64(x * scale)
	return nil
}

// formatBytes writes n in the largest binary unit that keeps it above 1.
func formatBytes(n int64) string {
	for _, u := range []struct {
		suffix string
		scale  int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.scale {
			return strconv.FormatFloat(float64(n)/float64(u.scale), 'g', 4, 64) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{cfg: zoo.DefaultConfig(), maxData: loader.DefaultMaxBytes}
	fs := flag.NewFlagSet("zoo", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by run, as one line
	fs.StringVar(&o.models, "model", "all", "models to train: a name, a comma-separated list, or all")
	fs.IntVar(&o.cfg.Epochs, "epochs", o.cfg.Epochs, "training epochs")
	fs.Float64Var(&o.cfg.LR, "lr", o.cfg.LR, "SGD learning rate")
	fs.IntVar(&o.cfg.BatchSize, "batch", o.cfg.BatchSize, "training batch size")
	seed := fs.Int64("seed", 0, "seed of initialisation and shuffling")
	fs.Var(seedList{&o.seeds}, "seeds", "comma-separated `seeds`, each once: one run per model and seed (e.g. 0,1,2)")
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
	fs.Var(byteSize{&o.maxData}, "max-data", "memory the dataset's files may `size` up to, as their headers declare, checked before they are read (0: no limit)")
	fs.StringVar(&o.out, "out", "zoo-results.jsonl", "JSON-lines `file` each run is appended to (or a pipe, or /dev/null)")
	fs.BoolVar(&o.resume, "resume", false, "skip runs already recorded in -out (same model, configuration and seed)")
	fs.StringVar(&o.save, "save", "", "`folder` to write each trained model to, as MODEL.safetensors")
	fs.StringVar(&o.load, "load", "", "weights `file` to evaluate instead of training (one model): safetensors, or ONNX (a .onnx file, the zoo's or torch.onnx.export's)")
	fs.BoolVar(&o.list, "list", false, "list the models and exit")
	fs.BoolVar(&o.verbose, "v", false, "also say on stderr where the data was looked for and what was saved")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress on stderr (a bar on a terminal, else a line every few seconds)")
	fs.Usage = func() {} // flag calls it on every error too
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "%s\nTrains the course's reference models on MNIST (or -dataset) and prints test accuracy and training time.\nModels: %s (or all).\n\nFlags:\n", commandsUsage, strings.Join(zoo.Names(), ", "))
			fs.SetOutput(stderr)
			fs.PrintDefaults()
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	o.modelSet = set["model"]
	o.command = strings.Join(append([]string{"zoo"}, args...), " ")
	switch {
	case set["seeds"] && (set["repeats"] || set["seed"]):
		return nil, errors.New("-seeds cannot be combined with -seed or -repeats")
	case set["repeats"] && (*repeats < 1 || *repeats > maxSeeds):
		return nil, fmt.Errorf("-repeats must be 1 to %d, got %d", maxSeeds, *repeats)
	case set["repeats"] && *seed > math.MaxInt64-int64(*repeats-1):
		return nil, fmt.Errorf("-seed %d with -repeats %d goes past the largest seed, %d", *seed, *repeats, int64(math.MaxInt64))
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

// commandsUsage lists the command's forms.
const commandsUsage = `usage: zoo [flags]                 train and compare models (zoo -h: the flags)
       zoo predict [flags] IMAGE...  classify pictures with the pretrained models
       zoo export -out DIR           the models as ONNX files (zoo help export)
       zoo report [-out DIR] FILE... a report of results files
       zoo compare A B               two results files side by side
       zoo help [command]            this, or a command's flags
       zoo version                   the zoo's version
`

// runHelp is "zoo help [command]": the usage on stdout.
func runHelp(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 1 {
		fmt.Fprintln(stderr, "zoo: help takes one command at most (usage: zoo help [command])")
		return exitUsage
	}
	if len(args) == 0 || args[0] == "train" {
		_, err := parseFlags([]string{"-h"}, stdout)
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitFailed
	}
	switch args[0] {
	case "report", "compare", "predict", "export":
		return run(ctx, []string{args[0], "-h"}, stdout, stdout, false)
	case "help":
		fmt.Fprint(stdout, commandsUsage)
		return exitOK
	case "version":
		fmt.Fprintln(stdout, "usage: zoo version\n\nPrints the zoo's module version, its VCS revision when built from a checkout, and the Go version and platform.")
		return exitOK
	}
	fmt.Fprintf(stderr, "zoo: help: unknown command %q\n%s", args[0], commandsUsage)
	return exitUsage
}

// runVersion is "zoo version".
func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "zoo: version takes no arguments")
		return exitUsage
	}
	fmt.Fprintf(stdout, "zoo %s %s %s/%s\n", zoo.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}

// stdin is what "zoo predict -" reads; tests replace it.
var stdin io.Reader = os.Stdin

// run is the whole command; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, terminal bool) int {
	if len(args) > 0 {
		switch args[0] {
		case "report":
			return runReport(ctx, args[1:], stdout, stderr)
		case "compare":
			return runCompare(ctx, args[1:], stdout, stderr)
		case "predict":
			return runPredict(ctx, args[1:], stdin, stdout, stderr)
		case "export":
			return runExport(ctx, args[1:], stdout, stderr)
		case "help":
			return runHelp(ctx, args[1:], stdout, stderr)
		case "version":
			return runVersion(args[1:], stdout, stderr)
		}
	}
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "zoo: %v (zoo -h lists the flags)\n", err)
		return exitUsage
	}
	mode := progressLines
	switch {
	case o.quiet:
		mode = progressNone
	case terminal:
		mode = progressBar
	}
	c := &command{o: o, stdout: stdout, stderr: stderr, mode: mode}
	if o.list {
		return c.list(ctx)
	}
	if o.load != "" && !o.modelSet {
		return c.evaluateLoaded(ctx, nil)
	}
	archs, err := selectModels(o.models)
	if err != nil {
		fmt.Fprintln(stderr, "zoo:", err)
		return exitUsage
	}
	if o.load != "" {
		if len(archs) != 1 {
			fmt.Fprintln(stderr, "zoo: -load evaluates one model: give one -model, or none to use the file's")
			return exitUsage
		}
		return c.evaluateLoaded(ctx, &archs[0])
	}
	return c.train(ctx, archs)
}

// command is one invocation of the training command.
type command struct {
	o              *options
	stdout, stderr io.Writer
	mode           progressMode
	rep            *progressReporter

	data    *loader.Split
	results *zoo.ResultsFile
	env     zoo.Environment
}

// failed reports a step that failed as one line and returns the exit code:
// 130 when the step was interrupted (main turns it into 143 for SIGTERM),
// naming what was interrupted, else 1.
func (c *command) failed(ctx context.Context, doing string, err error) int {
	if ctx.Err() != nil {
		fmt.Fprintf(c.stderr, "zoo: interrupted while %s\n", doing)
		return exitInterrupted
	}
	fmt.Fprintln(c.stderr, "zoo:", err)
	return exitFailed
}

// logf tells, with -v, where the data was looked for.
func (c *command) logf(format string, args ...any) {
	if c.o.verbose {
		fmt.Fprintf(c.stderr, "zoo: "+format+"\n", args...)
	}
}

// loadData loads the selected dataset and checks the batch against it.
func (c *command) loadData(ctx context.Context) int {
	data, err := c.o.loadData(ctx, c.logf)
	if err != nil {
		return c.failed(ctx, "loading "+c.o.datasetName(), err)
	}
	if n := data.Train.Head(c.o.cfg.TrainSamples).N; c.o.cfg.BatchSize > n {
		fmt.Fprintf(c.stderr, "zoo: -batch %d is larger than the %d training samples\n", c.o.cfg.BatchSize, n)
		return exitUsage
	}
	c.data = data
	return exitOK
}

func (c *command) list(ctx context.Context) int {
	in, err := c.o.input(ctx)
	if err != nil {
		return c.failed(ctx, "reading "+c.o.datasetName(), err)
	}
	fmt.Fprintf(c.stdout, "dataset %s: %d×%d×%d inputs, %d classes\n", c.o.datasetName(), in.Channels, in.Height, in.Width, in.Classes)
	return listModels(c.stdout, c.stderr, in)
}

// train trains every model with every seed, appending each run's record to
// the results file as soon as it is finished.
func (c *command) train(ctx context.Context, archs []zoo.Architecture) int {
	// Everything a run will write is checked before the data is read and
	// long before training ends.
	done, code := c.openOutputs(ctx)
	if code != exitOK {
		return code
	}
	defer c.results.Close()
	if code := c.loadData(ctx); code != exitOK {
		return code
	}
	c.env = zoo.CurrentEnvironment()
	dataset := c.data.Train.Name
	// The plan: every model with every seed, in order; runs recorded
	// already (-resume) go straight to the table.
	type planned struct {
		a   zoo.Architecture
		cfg zoo.Config
	}
	var plan []planned
	for _, a := range archs {
		for _, seed := range c.o.seeds {
			cfg := c.o.cfg
			cfg.Seed = seed
			plan = append(plan, planned{a, cfg})
		}
	}
	todo := 0
	for _, p := range plan {
		if _, ok := done[zoo.RunKey(p.a.Name, dataset, p.cfg)]; !ok {
			todo++
		}
	}
	c.rep = newProgressReporter(c.mode, c.stderr, todo)
	var table resultsTable
	code = exitOK
	for _, p := range plan {
		a, cfg, seed := p.a, p.cfg, p.cfg.Seed
		if rec, ok := done[zoo.RunKey(a.Name, dataset, cfg)]; ok {
			c.rep.printf("%-8s seed %d: recorded already, skipped (-resume)\n", a.Name, seed)
			table.add(rec)
			continue
		}
		rec, err := c.trainOne(ctx, a, cfg)
		if ctx.Err() != nil {
			fmt.Fprintf(c.stderr, "zoo: interrupted during %s (seed %d); the %d finished runs are in %s; -resume goes on from there\n", a.Name, seed, table.runs(), c.results.Path())
			table.print(c.stdout)
			return exitInterrupted
		}
		if err != nil && rec.Status == "" {
			table.print(c.stdout)
			return c.failed(ctx, "training "+a.Name, err)
		}
		if err != nil {
			fmt.Fprintln(c.stderr, "zoo:", err)
			code = exitFailed
		}
		if err := c.results.Append(rec); err != nil {
			table.print(c.stdout)
			return c.failed(ctx, "writing the results", err)
		}
		table.add(rec)
	}
	table.print(c.stdout)
	return code
}

// openOutputs opens the results file, reads what it holds for -resume, and
// checks that the -save folder takes files. It returns the runs recorded
// already (with -resume).
func (c *command) openOutputs(ctx context.Context) (map[zoo.Key]zoo.Record, int) {
	o := c.o
	results, err := zoo.OpenResults(o.out)
	if err != nil {
		return nil, c.failed(ctx, "opening "+o.out, err)
	}
	c.results = results
	done := map[zoo.Key]zoo.Record{}
	if o.resume {
		if !results.Regular() {
			fmt.Fprintf(c.stderr, "zoo: -resume reads back the results file, and %s is not a regular file\n", o.out)
			return nil, exitUsage
		}
		recs, skipped, err := zoo.ReadRecordsFile(ctx, o.out)
		if err != nil {
			return nil, c.failed(ctx, "reading "+o.out+" for -resume", err)
		}
		for _, w := range skipped.Warnings {
			fmt.Fprintln(c.stderr, "zoo: warning:", w)
		}
		for _, r := range recs {
			if r.Status == zoo.StatusOK || r.Status == zoo.StatusDiverged {
				done[r.Key()] = r
			}
		}
	}
	if o.save != "" {
		if err := checkWritableDir(o.save); err != nil {
			return nil, c.failed(ctx, "checking -save", fmt.Errorf("-save: %w", err))
		}
	}
	return done, exitOK
}

// checkWritableDir creates dir if needed and checks that a file can be
// created in it, by creating and removing one.
func checkWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".zoo-check-*")
	if err != nil {
		return fmt.Errorf("cannot write into %s: %w", dir, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// trainOne trains and evaluates one model with one seed and returns its
// record. A diverged run returns its record and the error, and so does a
// finished run whose weights could not be saved (its record is kept); other
// errors return no record.
func (c *command) trainOne(ctx context.Context, a zoo.Architecture, cfg zoo.Config) (zoo.Record, error) {
	dataset := c.data.Train.Name
	c.rep.start(a.Name, cfg.Seed, cfg, c.data.Train.Head(cfg.TrainSamples).N/cfg.BatchSize)
	res, model, err := zoo.Run(ctx, a, c.data, cfg, c.rep.update)
	c.rep.finish()
	var diverged *zoo.DivergedError
	if errors.As(err, &diverged) {
		params, _ := a.Params(zoo.InputOf(c.data.Train))
		return zoo.NewFailedRecord(a.Name, params, err, cfg, dataset, c.env), err
	}
	if err != nil {
		return zoo.Record{}, err
	}
	rec := zoo.NewRecord(res, cfg, dataset, c.env)
	if c.o.save != "" {
		name := a.Name
		if len(c.o.seeds) > 1 {
			name = fmt.Sprintf("%s-seed%d", a.Name, cfg.Seed)
		}
		path := filepath.Join(c.o.save, name+".safetensors")
		prov := zoo.Provenance{
			Dataset: dataset, Config: &cfg, Command: c.o.command, ZooVersion: c.env.ZooVersion,
			TestAccuracy: res.TestAccuracy, Correct: res.Correct, Total: res.Total,
		}
		if err := model.SaveWithProvenance(path, prov); err != nil {
			return rec, fmt.Errorf("%s (seed %d) trained, but its weights were not saved: %w", a.Name, cfg.Seed, err)
		}
		if c.o.verbose {
			c.rep.printf("%-8s saved to %s\n", a.Name, path)
		}
	}
	return rec, nil
}

// evaluateLoaded evaluates weights from -load on the test set; nothing is
// trained, so nothing is recorded. With a nil architecture, the file's
// metadata names the model.
func (c *command) evaluateLoaded(ctx context.Context, a *zoo.Architecture) int {
	if onnx.IsONNX(c.o.load) {
		return c.evaluateONNX(ctx, a)
	}
	if a == nil {
		p, err := zoo.ReadProvenance(c.o.load)
		if err == nil && p.Model == "" {
			err = fmt.Errorf("%s does not say which model it holds: give it with -model", c.o.load)
		}
		if err != nil {
			fmt.Fprintln(c.stderr, "zoo:", err)
			return exitFailed
		}
		arch, err := zoo.Lookup(p.Model)
		if err != nil {
			fmt.Fprintf(c.stderr, "zoo: %s: %v\n", c.o.load, err)
			return exitFailed
		}
		a = &arch
	}
	if code := c.loadData(ctx); code != exitOK {
		return code
	}
	test := c.data.Test.Head(c.o.cfg.TestSamples)
	m, err := zoo.New(*a, zoo.InputOf(test), 0)
	if err == nil {
		err = m.Load(c.o.load)
	}
	var correct, total int
	if err == nil {
		correct, total, err = m.Evaluate(ctx, test, c.o.cfg.EvalBatchSize)
	}
	if err != nil {
		return c.failed(ctx, "evaluating "+c.o.load, err)
	}
	fmt.Fprintf(c.stdout, "%s\t%d parameters\tweights %s\ttest accuracy %.2f%% (%d/%d)\n", a.Name, m.Store.Count(), c.o.load, 100*float64(correct)/float64(total), correct, total)
	return exitOK
}

// evaluateONNX is evaluateLoaded for an ONNX file: its graph must fit the
// architecture (a's, else the one its metadata names or its graph fits),
// built for the dataset's input.
func (c *command) evaluateONNX(ctx context.Context, a *zoo.Architecture) int {
	m, _, err := openWeights(c.o.load, a)
	if err != nil {
		fmt.Fprintln(c.stderr, "zoo:", err)
		return exitFailed
	}
	if code := c.loadData(ctx); code != exitOK {
		return code
	}
	test := c.data.Test.Head(c.o.cfg.TestSamples)
	if in := zoo.InputOf(test); in != m.Input {
		fmt.Fprintf(c.stderr, "zoo: %s takes %d×%d×%d inputs in %d classes, %s has %d×%d×%d in %d\n", c.o.load,
			m.Input.Channels, m.Input.Height, m.Input.Width, m.Input.Classes, c.o.datasetName(), in.Channels, in.Height, in.Width, in.Classes)
		return exitFailed
	}
	correct, total, err := m.Evaluate(ctx, test, c.o.cfg.EvalBatchSize)
	if err != nil {
		return c.failed(ctx, "evaluating "+c.o.load, err)
	}
	fmt.Fprintf(c.stdout, "%s\t%d parameters\tweights %s\ttest accuracy %.2f%% (%d/%d)\n", m.Arch.Name, m.Store.Count(), c.o.load, 100*float64(correct)/float64(total), correct, total)
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
	budget := o.maxData
	if budget == 0 {
		budget = -1 // no limit
	}
	var (
		data *loader.Split
		err  error
	)
	if o.folder.Dir != "" {
		f := o.folder
		f.MaxBytes = budget
		data, err = loader.LoadFolder(ctx, f)
	} else {
		data, err = loader.Load(ctx, o.dataset, loader.Options{Dir: o.data, Logf: logf, MaxBytes: budget})
	}
	var be *loader.BudgetError
	if errors.As(err, &be) {
		err = fmt.Errorf("%w (-max-data raises the budget)", err)
	}
	return data, err
}

// input is what models are built for on the selected dataset; a folder is
// read to know it.
func (o *options) input(ctx context.Context) (zoo.Input, error) {
	if o.folder.Dir == "" {
		e := o.dataset
		return zoo.Input{Channels: e.Channels, Height: e.Height, Width: e.Width, Classes: e.Classes}, nil
	}
	data, err := o.loadData(ctx, nil)
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
