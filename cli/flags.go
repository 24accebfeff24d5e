package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// options are the command's flags.
type options struct {
	models string
	// cfg holds the settings flags give every run, over each model's
	// recipe (configFor): only those in set count.
	cfg      zoo.Config
	set      map[string]bool // the flags given
	settings zoo.Settings    // the optimizers' settings given (optimizerFlags)

	seeds   []int64
	data    string
	out     string
	save    string
	load    string
	list    bool
	resume  bool
	verbose bool
	quiet   bool
	plan    bool
	shard   string
	// modelSet says -model was given (-load reads the model's name from
	// the file otherwise); command is the command line, for provenance.
	modelSet bool
	command  string
	// maxData bounds the dataset's memory (loader.Options.MaxBytes); 0
	// means no limit.
	maxData int64
	// idleTimeout and retries are the download settings as
	// loader.Options takes them: 0 leaves them to the environment, negative
	// means none.
	idleTimeout time.Duration
	retries     int

	// The grid: every combination of these with every model and seed is
	// one run (see plan.go); one not given is the model's recipe's value.
	lrs        []float64
	batches    []int
	optimizers []string
	// datasets are -dataset resolved: catalog entries or folders of one's
	// own (with the file names and classes of the folder flags).
	datasets []dataset
	folder   loader.Folder
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

// floatList is a flag of comma-separated numbers.
type floatList struct{ xs *[]float64 }

func (l floatList) String() string {
	if l.xs == nil {
		return ""
	}
	var parts []string
	for _, x := range *l.xs {
		parts = append(parts, strconv.FormatFloat(x, 'g', -1, 64))
	}
	return strings.Join(parts, ",")
}

func (l floatList) Set(v string) error {
	var xs []float64
	for _, part := range strings.Split(v, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", part)
		}
		xs = append(xs, x)
	}
	*l.xs = xs
	return nil
}

// intList is a flag of comma-separated integers.
type intList struct{ xs *[]int }

func (l intList) String() string {
	if l.xs == nil {
		return ""
	}
	var parts []string
	for _, x := range *l.xs {
		parts = append(parts, strconv.Itoa(x))
	}
	return strings.Join(parts, ",")
}

func (l intList) Set(v string) error {
	var xs []int
	for _, part := range strings.Split(v, ",") {
		x, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return fmt.Errorf("%q is not an integer", part)
		}
		xs = append(xs, x)
	}
	*l.xs = xs
	return nil
}

// stringList is a flag of comma-separated words.
type stringList struct{ xs *[]string }

func (l stringList) String() string {
	if l.xs == nil {
		return ""
	}
	return strings.Join(*l.xs, ",")
}

func (l stringList) Set(v string) error {
	var xs []string
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			xs = append(xs, part)
		}
	}
	if len(xs) == 0 {
		return errors.New("empty list")
	}
	*l.xs = xs
	return nil
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	def := zoo.DefaultConfig()
	o := &options{cfg: def, maxData: loader.DefaultMaxBytes, settings: zoo.Settings{}}
	var datasets []string = []string{loader.MNIST.Name}
	fs := flag.NewFlagSet("zoo", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by run, as one line
	fs.StringVar(&o.models, "model", "course", "models to train: a name, a comma-separated `list`, course (the course's seven) or all (every registered model)")
	// Flags not given leave each model's recipe (zoo.Architecture.Recipe) as it is; the
	// course's seven have the course's protocol.
	// Defined with 0 so that the help says the recipe's default once (flag
	// prints no zero default); the value not given stays the course's.
	fs.IntVar(&o.cfg.Epochs, "epochs", 0, "training epochs (default: the model's recipe; the course's 5)")
	o.cfg.Epochs = def.Epochs
	fs.Var(floatList{&o.lrs}, "lr", "learning `rates`, comma-separated: one run for each (default: the model's recipe; the course's 0.1)")
	fs.Var(intList{&o.batches}, "batch", "training batch `sizes`, comma-separated (default: the model's recipe; the course's 100)")
	fs.Var(stringList{&o.optimizers}, "optimizer", "`optimizers`, comma-separated: "+strings.Join(zoo.OptimizerNames(), ", ")+" (default: the model's recipe; the course's sgd)")
	optimizerFlags(fs, o.settings)
	fs.Float64Var(&o.cfg.WeightDecay, "weight-decay", 0, "weight decay (L2 for sgd, adam and rmsprop, decoupled for adamw)")
	fs.Var(betas{o.settings}, "betas", "Adam's `b1,b2` (-beta1 and -beta2 at once; default 0.9,0.999)")
	fs.StringVar(&o.cfg.Schedule, "schedule", "", "learning rate `schedule`: step, cosine (over epochs) or onecycle (every batch) (default: the model's recipe; the course's constant)")
	fs.IntVar(&o.cfg.StepSize, "step-size", 0, "the step schedule's epochs between decays")
	fs.Float64Var(&o.cfg.Gamma, "gamma", 0, fmt.Sprintf("the step schedule's decay factor (default %v)", zoo.DefaultGamma))
	fs.Float64Var(&o.cfg.PctStart, "pct-start", 0, fmt.Sprintf("the one-cycle schedule's fraction of steps rising to -lr (default %v)", zoo.DefaultPctStart))
	fs.Float64Var(&o.cfg.DivFactor, "div-factor", 0, fmt.Sprintf("the one-cycle schedule starts at -lr / div-factor (default %v)", zoo.DefaultDivFactor))
	fs.Float64Var(&o.cfg.FinalDivFactor, "final-div-factor", 0, fmt.Sprintf("the one-cycle schedule ends at its start / final-div-factor (default %v)", zoo.DefaultFinalDivFactor))
	fs.IntVar(&o.cfg.WarmupEpochs, "warmup", 0, "`epochs` of linear learning-rate warm-up (step and cosine schedules)")
	fs.IntVar(&o.cfg.CropPadding, "crop-padding", 0, "train on random crops: images padded by `pixels` of zeros, cut back at random, as torchvision's RandomCrop(size, padding) (0: none)")
	fs.Float64Var(&o.cfg.ClipGradNorm, "clip-grad-norm", 0, "clip each step's gradients to this global L2 `norm`, as torch.nn.utils.clip_grad_norm_ (0: none)")
	seed := fs.Int64("seed", 0, "seed of initialisation and shuffling")
	fs.Var(seedList{&o.seeds}, "seeds", "comma-separated `seeds`, each once: one run per model and seed (e.g. 0,1,2)")
	repeats := fs.Int("repeats", 0, "runs per model, with seeds -seed, -seed+1, ...")
	fs.IntVar(&o.cfg.EvalBatchSize, "eval-batch", o.cfg.EvalBatchSize, "evaluation batch size (does not change results)")
	fs.BoolVar(&o.cfg.EvalEveryEpoch, "eval-every-epoch", false, "evaluate the test set after every epoch (learning curves)")
	fs.IntVar(&o.cfg.TrainSamples, "train-samples", 0, "train on the first N training samples only (0: all), for quick runs")
	fs.IntVar(&o.cfg.TestSamples, "test-samples", 0, "evaluate on the first N test samples only (0: all)")
	fs.Var(stringList{&datasets}, "dataset", "`datasets`, comma-separated: catalog names ("+strings.Join(loader.Names(), ", ")+") or folders holding four IDX files")
	fs.StringVar(&o.folder.TrainImages, "train-images", "", "with -dataset DIR: training images file in DIR (default "+loader.MNIST.TrainImages.Name+")")
	fs.StringVar(&o.folder.TrainLabels, "train-labels", "", "with -dataset DIR: training labels file in DIR (default "+loader.MNIST.TrainLabels.Name+")")
	fs.StringVar(&o.folder.TestImages, "test-images", "", "with -dataset DIR: test images file in DIR (default "+loader.MNIST.TestImages.Name+")")
	fs.StringVar(&o.folder.TestLabels, "test-labels", "", "with -dataset DIR: test labels file in DIR (default "+loader.MNIST.TestLabels.Name+")")
	fs.IntVar(&o.folder.Classes, "classes", 0, "with -dataset DIR: number of classes (default: largest label + 1)")
	fs.StringVar(&o.data, "data", "", "folder holding the files of the -dataset, or a folder per dataset (DIR/mnist, DIR/fashion-mnist, ...) (default: $ZOO_DATA, the Go module cache, the user cache, then a download)")
	idle := fs.Duration("download-idle-timeout", loader.DefaultIdleTimeout, "give a download try up after `duration` without data, and try again (0: never; if not given, $"+loader.IdleTimeoutEnv+")")
	retries := fs.Int("download-retries", loader.DefaultRetries, "tries again per mirror after a transient download failure, waiting 1s, 2s, 4s, ... (0: none; if not given, $"+loader.RetriesEnv+")")
	fs.Var(byteSize{&o.maxData}, "max-data", "memory the dataset's files may `size` up to, as their headers declare, checked before they are read (0: no limit)")
	fs.StringVar(&o.out, "out", "zoo-results.jsonl", "JSON-lines `file` each run is appended to (or a pipe, or /dev/null); {shard} in it becomes the shard, e.g. 2-of-4")
	fs.BoolVar(&o.resume, "resume", false, "skip runs already recorded in -out (same model, configuration and seed)")
	fs.BoolVar(&o.plan, "plan", false, "print the runs (of the -shard) with their configuration hashes, and exit")
	fs.StringVar(&o.shard, "shard", "", "run the `i/n`-th of n balanced parts of the plan (i from 0), or auto: from Slurm's array (task i is shard i of $ZOO_SHARDS when set) or Kubernetes' indexed job")
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
	o.set = set
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
	for _, list := range []struct {
		name string
		n    int
	}{{"-lr", len(o.lrs)}, {"-batch", len(o.batches)}, {"-optimizer", len(o.optimizers)}, {"-dataset", len(datasets)}} {
		if list.n > maxGrid {
			return nil, fmt.Errorf("%s has %d values, more than the %d a list takes", list.name, list.n, maxGrid)
		}
	}
	if err := o.selectDatasets(datasets, set); err != nil {
		return nil, err
	}
	if err := o.setDownload(*idle, *retries, set); err != nil {
		return nil, err
	}
	grid := o.configsPerModel() * len(o.datasets)
	if o.load != "" {
		if set["resume"] || set["save"] || len(o.seeds) > 1 || set["eval-every-epoch"] || grid > 1 || set["shard"] || set["plan"] {
			return nil, errors.New("-load evaluates given weights: it takes no -resume, -save, -seeds, -repeats, -eval-every-epoch, -shard, -plan or lists")
		}
	}
	if o.list && len(o.datasets) > 1 {
		return nil, errors.New("-list describes one dataset")
	}
	for _, name := range o.optimizers {
		if _, err := zoo.LookupOptimizer(name); err != nil {
			return nil, err
		}
	}
	// Every combination of every model is checked before the first run
	// (buildPlan).
	return o, nil
}

// maxGrid bounds each list flag.
const maxGrid = 100
