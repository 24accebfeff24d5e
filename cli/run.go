package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorgonia-zoo/zoo/internal/safetensors"
	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/onnx"
	"github.com/gorgonia-zoo/zoo/pretrained"
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

// pretrainedModels is selectModels for the commands that read pretrained
// weights (predict, export): there "all" is every model that has them.
func pretrainedModels(spec string) ([]zoo.Architecture, error) {
	if strings.EqualFold(strings.TrimSpace(spec), "all") {
		spec = strings.Join(pretrained.Names(), ",")
	}
	return selectModels(spec)
}

// selectModels resolves -model to architectures, in the order given:
// names and aliases, "course" for the course's seven, "all" for every
// registered model.
func selectModels(spec string) ([]zoo.Architecture, error) {
	var names []string
	switch strings.ToLower(strings.TrimSpace(spec)) {
	case "all":
		names = zoo.Names()
	case "course":
		names = zoo.CourseModels()
	default:
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
		case "serve":
			return runServe(ctx, args[1:], stdout, stderr)
		case "inspect":
			return runInspect(ctx, args[1:], stdout, stderr)
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
	if o.shard != "" {
		s, err := parseShard(o.shard, os.Getenv)
		if err != nil {
			fmt.Fprintln(stderr, "zoo:", err)
			return exitUsage
		}
		c.shard = &s
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
	shard          *shard // -shard, nil for the whole plan

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

// loadDataset loads dataset d and checks the batch sizes of the runs on it
// against it.
func (c *command) loadDataset(ctx context.Context, d dataset, runs []planned) int {
	c.data = nil // the previous dataset's memory goes first
	var progress func(string, int64, int64)
	if c.mode == progressBar || c.o.verbose {
		progress = newDownloadMeter(c.stderr, d.name()).progress
	}
	data, err := c.o.loadDataset(ctx, d, c.logf, progress)
	if err != nil {
		return c.failed(ctx, "loading "+d.name(), err)
	}
	for _, p := range runs {
		if n := data.Train.Head(p.cfg.TrainSamples).N; p.cfg.BatchSize > n {
			fmt.Fprintf(c.stderr, "zoo: %s: batch %d is larger than the %d training samples of %s\n", p.arch.Name, p.cfg.BatchSize, n, d.name())
			return exitUsage
		}
	}
	c.data = data
	return exitOK
}

func (c *command) list(ctx context.Context) int {
	d := c.o.datasets[0]
	in, err := c.o.input(ctx, d)
	if err != nil {
		return c.failed(ctx, "reading "+d.name(), err)
	}
	fmt.Fprintf(c.stdout, "dataset %s: %d×%d×%d inputs, %d classes\n", d.name(), in.Channels, in.Height, in.Width, in.Classes)
	return listModels(c.stdout, c.stderr, in)
}

// train runs the plan (or the -shard's part of it), appending each run's
// record to the results file as soon as it is finished.
func (c *command) train(ctx context.Context, archs []zoo.Architecture) int {
	plan, err := c.o.buildPlan(archs)
	if err != nil {
		fmt.Fprintln(c.stderr, "zoo:", err)
		return exitUsage
	}
	runs := plan
	if c.shard != nil {
		runs = assign(plan, c.shard.N)[c.shard.I]
	}
	if c.o.plan {
		return c.printPlan(ctx, runs, len(plan), c.shard)
	}
	// Everything a run will write is checked before the data is read and
	// long before training ends.
	done, code := c.openOutputs(ctx)
	if code != exitOK {
		return code
	}
	defer c.results.Close()
	c.env = zoo.CurrentEnvironment()
	todo := 0
	for _, p := range runs {
		// A folder's name is known once it is read: its runs count as to do.
		if _, ok := done[zoo.RunKey(p.arch.Name, c.o.datasets[p.dataset].name(), p.cfg)]; !ok {
			todo++
		}
	}
	c.rep = newProgressReporter(c.mode, c.stderr, todo)
	var table resultsTable
	loaded := -1
	code = exitOK
	for _, p := range runs {
		if p.dataset != loaded {
			if code := c.loadDataset(ctx, c.o.datasets[p.dataset], runsOn(runs, p.dataset)); code != exitOK {
				table.print(c.stdout)
				return code
			}
			loaded = p.dataset
		}
		a, cfg, seed := p.arch, p.cfg, p.cfg.Seed
		if rec, ok := done[zoo.RunKey(a.Name, c.data.Train.Name, cfg)]; ok {
			c.rep.printf("%-8s seed %d: recorded already, skipped (-resume)\n", a.Name, seed)
			table.add(rec)
			continue
		}
		rec, err := c.trainOne(ctx, a, cfg)
		if ctx.Err() != nil {
			fmt.Fprintln(c.stderr, interruptedLine(a.Name, seed, table.runs(), c.results.Path()))
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

// runsOn are the runs on dataset d.
func runsOn(runs []planned, d int) []planned {
	var on []planned
	for _, p := range runs {
		if p.dataset == d {
			on = append(on, p)
		}
	}
	return on
}

// openOutputs opens the results file, reads what it holds for -resume, and
// checks that the -save folder takes files. It returns the runs recorded
// already (with -resume).
func (c *command) openOutputs(ctx context.Context) (map[zoo.Key]zoo.Record, int) {
	o := c.o
	out := shardOut(o.out, c.shard)
	results, err := zoo.OpenResults(out)
	if err != nil {
		return nil, c.failed(ctx, "opening "+out, err)
	}
	c.results = results
	done := map[zoo.Key]zoo.Record{}
	if o.resume {
		if !results.Regular() {
			fmt.Fprintf(c.stderr, "zoo: -resume reads back the results file, and %s is not a regular file\n", out)
			return nil, exitUsage
		}
		recs, skipped, err := zoo.ReadRecordsFile(ctx, out)
		if err != nil {
			return nil, c.failed(ctx, "reading "+out+" for -resume", err)
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
		// A process killed while saving (kill -9) left its temporary file.
		removed, _ := safetensors.RemoveStaleTemporaries(o.save, staleSave)
		for _, path := range removed {
			c.logf("removed %s, left by an interrupted save", path)
		}
	}
	return done, exitOK
}

// staleSave is the age past which a temporary weights file in the -save
// folder is a leftover: a save takes milliseconds.
const staleSave = time.Hour

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
	c.rep.start(a.Name, cfg.Seed, cfg)
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
		if c.o.configsPerModel() > 1 {
			name += "-" + zoo.ConfigHash(dataset, cfg)
		}
		if len(c.o.seeds) > 1 {
			name = fmt.Sprintf("%s-seed%d", name, cfg.Seed)
		}
		if len(c.o.datasets) > 1 {
			name = dataset + "-" + name
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
	if code := c.loadDataset(ctx, c.o.datasets[0], nil); code != exitOK {
		return code
	}
	test := c.data.Test.Head(c.o.cfg.TestSamples)
	m, err := zoo.New(*a, zoo.InputOf(test), 0)
	if err == nil {
		err = interruptibly(ctx, func() error { return m.Load(c.o.load) })
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
	m, _, err := openWeightsContext(ctx, c.o.load, a)
	if err != nil {
		return c.failed(ctx, "loading "+c.o.load, err)
	}
	d := c.o.datasets[0]
	if code := c.loadDataset(ctx, d, nil); code != exitOK {
		return code
	}
	test := c.data.Test.Head(c.o.cfg.TestSamples)
	if in := zoo.InputOf(test); in != m.Input {
		fmt.Fprintf(c.stderr, "zoo: %s takes %d×%d×%d inputs in %d classes, %s has %d×%d×%d in %d\n", c.o.load,
			m.Input.Channels, m.Input.Height, m.Input.Width, m.Input.Classes, d.name(), in.Channels, in.Height, in.Width, in.Classes)
		return exitFailed
	}
	correct, total, err := m.Evaluate(ctx, test, c.o.cfg.EvalBatchSize)
	if err != nil {
		return c.failed(ctx, "evaluating "+c.o.load, err)
	}
	fmt.Fprintf(c.stdout, "%s\t%d parameters\tweights %s\ttest accuracy %.2f%% (%d/%d)\n", m.Arch.Name, m.Store.Count(), c.o.load, 100*float64(correct)/float64(total), correct, total)
	return exitOK
}

// interruptedLine says which run a signal interrupted and where the runs
// that finished before it are.
func interruptedLine(model string, seed int64, finished int, results string) string {
	line := fmt.Sprintf("zoo: interrupted during %s (seed %d); ", model, seed)
	switch finished {
	case 0:
		return line + "no run finished"
	case 1:
		return line + "the one finished run is in " + results + "; -resume goes on from there"
	}
	return line + fmt.Sprintf("the %d finished runs are in %s; -resume goes on from there", finished, results)
}
