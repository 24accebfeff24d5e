package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// Input is the content of one results file.
type Input struct {
	Path    string       // where the records came from, as given
	Records []zoo.Record // the whole records read from it
	Skipped int          // lines that were not whole records (torn, other schema)
}

// Run is one record and the file it came from.
type Run struct {
	zoo.Record
	Source string
}

// ModelResult is a model's runs in one configuration and their summaries.
// Accuracies are in percent.
type ModelResult struct {
	Model  string
	Params int
	Runs   []Run // finished runs (status ok), by seed
	NotOK  []Run // diverged or failed runs, by seed

	Accuracy         Summary // test accuracy, percent
	TrainSeconds     Summary
	EvalSeconds      Summary
	SamplesPerSecond Summary
	// EpochLoss[i] summarizes the mean training loss of epoch i+1 over the
	// finished runs that have it; EpochAccuracy likewise the test accuracy
	// in percent after epoch i+1, empty when no run recorded it.
	EpochLoss     []Summary
	EpochAccuracy []Summary
	// Confusion is the sum of the confusion matrices of the finished runs
	// that recorded one (ConfusionRuns of them), nil when none did.
	// ConfusionInvalid counts the matrices left out: not square, with a
	// negative count, or of another size than the first.
	Confusion        zoo.Confusion
	ConfusionRuns    int
	ConfusionInvalid int
}

// Accuracies are the finished runs' test accuracies in percent.
func (m *ModelResult) Accuracies() []float64 {
	return m.values(func(r zoo.Record) float64 { return 100 * r.TestAccuracy })
}

// Seconds are the finished runs' training times.
func (m *ModelResult) Seconds() []float64 {
	return m.values(func(r zoo.Record) float64 { return r.TrainSeconds })
}

func (m *ModelResult) values(f func(zoo.Record) float64) []float64 {
	xs := make([]float64, len(m.Runs))
	for i, r := range m.Runs {
		xs[i] = f(r.Record)
	}
	return xs
}

// EnvironmentCount is an environment and how many runs came from it.
type EnvironmentCount struct {
	Env  zoo.Environment
	Runs int
}

// Configuration is the runs of one configuration on one dataset, by model.
type Configuration struct {
	Dataset      string
	ConfigHash   string
	Config       zoo.Config // as recorded by the first run (its seed aside)
	Models       []*ModelResult
	Environments []EnvironmentCount // in order of first appearance
}

// Model returns the result of the named model, or nil.
func (c *Configuration) Model(name string) *ModelResult {
	for _, m := range c.Models {
		if m.Model == name {
			return m
		}
	}
	return nil
}

// Describe is the configuration in words.
func (c *Configuration) Describe() string { return describeConfig(c.Config) }

func describeConfig(cfg zoo.Config) string {
	samples := func(n int) string {
		if n == 0 {
			return "all"
		}
		return fmt.Sprint(n)
	}
	d := fmt.Sprintf("epochs %d, learning rate %v, batch %d, training samples %s, test samples %s",
		cfg.Epochs, cfg.LR, cfg.BatchSize, samples(cfg.TrainSamples), samples(cfg.TestSamples))
	return d + describeOptimizer(cfg)
}

// describeOptimizer says how a configuration other than the course's
// plain SGD optimizes, e.g. ", optimizer adamw (weight decay 0.01),
// schedule cosine, warm-up 1 epoch"; "" for plain SGD.
func describeOptimizer(cfg zoo.Config) string {
	var parts []string
	opt := cfg.OptimizerName()
	var settings []string
	for _, s := range cfg.SettingsInOrder() {
		switch {
		case s.Value == s.Default:
			// the default, said or not
		case s.Switch && s.Value == 1:
			settings = append(settings, s.Name)
		case !s.Switch:
			settings = append(settings, s.Name+" "+s.String())
		}
	}
	if cfg.WeightDecay != 0 {
		settings = append(settings, fmt.Sprintf("weight decay %v", cfg.WeightDecay))
	}
	if opt != zoo.DefaultOptimizer || len(settings) > 0 {
		o := "optimizer " + opt
		if len(settings) > 0 {
			o += " (" + strings.Join(settings, ", ") + ")"
		}
		parts = append(parts, o)
	}
	switch cfg.Schedule {
	case zoo.ScheduleStep:
		parts = append(parts, fmt.Sprintf("schedule step (every %d epochs × %v)", cfg.StepSize, cfg.ScheduleGamma()))
	case zoo.ScheduleCosine:
		parts = append(parts, "schedule cosine")
	case zoo.ScheduleOneCycle:
		pct, div, final := cfg.OneCycle()
		parts = append(parts, fmt.Sprintf("schedule one-cycle (pct_start %v, div_factor %v, final_div_factor %v)", pct, div, final))
	}
	if cfg.WarmupEpochs > 0 {
		parts = append(parts, fmt.Sprintf("warm-up %d epochs", cfg.WarmupEpochs))
	}
	if cfg.CropPadding > 0 {
		parts = append(parts, fmt.Sprintf("random crops (padding %d)", cfg.CropPadding))
	}
	if cfg.ClipGradNorm > 0 {
		parts = append(parts, fmt.Sprintf("gradients clipped to norm %v", cfg.ClipGradNorm))
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

// Analysis is a set of results files grouped by configuration and model.
type Analysis struct {
	Inputs         []Input
	Configurations []*Configuration // in order of first appearance
	// Records counts the records kept; OK, Diverged and Failed split them by
	// status. Duplicates counts records left out because a later record of
	// the same run (model, dataset, configuration, seed) was kept.
	Records, OK, Diverged, Failed, Duplicates int
	First, Last                               time.Time // when the kept runs were recorded
}

// Analyze groups the records of the inputs by (dataset, configuration hash),
// then by model, and summarizes them. A run recorded more than once keeps its
// latest record.
func Analyze(inputs []Input) *Analysis {
	a := &Analysis{Inputs: inputs}
	var runs []Run
	for _, in := range inputs {
		for _, r := range in.Records {
			runs = append(runs, Run{Record: r, Source: in.Path})
		}
	}
	runs, a.Duplicates = latestRuns(runs)
	byKey := map[[2]string]*Configuration{}
	for _, r := range runs {
		k := [2]string{r.Dataset, r.ConfigHash}
		c := byKey[k]
		if c == nil {
			c = &Configuration{Dataset: r.Dataset, ConfigHash: r.ConfigHash, Config: r.Config}
			byKey[k] = c
			a.Configurations = append(a.Configurations, c)
		}
		m := c.Model(r.Model)
		if m == nil {
			m = &ModelResult{Model: r.Model, Params: r.Params}
			c.Models = append(c.Models, m)
		}
		if m.Params == 0 {
			m.Params = r.Params
		}
		a.Records++
		switch r.Status {
		case zoo.StatusOK:
			a.OK++
			m.Runs = append(m.Runs, r)
		case zoo.StatusDiverged:
			a.Diverged++
			m.NotOK = append(m.NotOK, r)
		default:
			a.Failed++
			m.NotOK = append(m.NotOK, r)
		}
		c.addEnvironment(r.Env)
		if a.First.IsZero() || r.Time.Before(a.First) {
			a.First = r.Time
		}
		if r.Time.After(a.Last) {
			a.Last = r.Time
		}
	}
	for _, c := range a.Configurations {
		sortModels(c.Models)
		for _, m := range c.Models {
			m.summarize()
		}
	}
	return a
}

func (c *Configuration) addEnvironment(env zoo.Environment) {
	for i := range c.Environments {
		if c.Environments[i].Env == env {
			c.Environments[i].Runs++
			return
		}
	}
	c.Environments = append(c.Environments, EnvironmentCount{Env: env, Runs: 1})
}

// latestRuns keeps the latest record of each run key, in input order, and
// counts the others.
func latestRuns(runs []Run) ([]Run, int) {
	latest := map[zoo.Key]int{}
	for i, r := range runs {
		if j, ok := latest[r.Key()]; !ok || !r.Time.Before(runs[j].Time) {
			latest[r.Key()] = i
		}
	}
	var kept []Run
	for i, r := range runs {
		if latest[r.Key()] == i {
			kept = append(kept, r)
		}
	}
	return kept, len(runs) - len(kept)
}

// sortModels orders models as the registry does (the course's order), then
// unknown names alphabetically; runs by seed.
func sortModels(ms []*ModelResult) {
	rank := map[string]int{}
	for i, n := range zoo.Names() {
		rank[n] = i + 1
	}
	sort.SliceStable(ms, func(i, j int) bool {
		ri, rj := rank[ms[i].Model], rank[ms[j].Model]
		switch {
		case ri != 0 && rj != 0:
			return ri < rj
		case ri != 0 || rj != 0:
			return ri != 0
		}
		return ms[i].Model < ms[j].Model
	})
	for _, m := range ms {
		for _, rs := range [][]Run{m.Runs, m.NotOK} {
			sort.SliceStable(rs, func(i, j int) bool { return rs[i].Seed < rs[j].Seed })
		}
	}
}

func (m *ModelResult) summarize() {
	m.Accuracy = Summarize(m.Accuracies())
	m.TrainSeconds = Summarize(m.Seconds())
	m.EvalSeconds = Summarize(m.values(func(r zoo.Record) float64 { return r.EvalSeconds }))
	m.SamplesPerSecond = Summarize(m.values(func(r zoo.Record) float64 { return r.SamplesPerSecond }))
	m.EpochLoss = perEpoch(m.Runs, func(r zoo.Record) []float64 { return r.EpochLoss }, 1)
	m.EpochAccuracy = perEpoch(m.Runs, func(r zoo.Record) []float64 { return r.EpochTestAccuracy }, 100)
	m.summarizeConfusion()
}

// perEpoch summarizes, for each epoch, the values the runs recorded for it.
func perEpoch(runs []Run, series func(zoo.Record) []float64, scale float64) []Summary {
	var out []Summary
	for epoch := 0; ; epoch++ {
		var xs []float64
		for _, r := range runs {
			if s := series(r.Record); epoch < len(s) {
				xs = append(xs, scale*s[epoch])
			}
		}
		if len(xs) == 0 {
			return out
		}
		out = append(out, Summarize(xs))
	}
}

// StatusText describes how a run that did not finish ended.
func StatusText(r zoo.Record) string {
	s := r.Status
	if r.Status == zoo.StatusDiverged {
		s = fmt.Sprintf("diverged at epoch %d, step %d", r.DivergedEpoch, r.DivergedStep)
	}
	if r.Error != "" {
		s += ": " + r.Error
	}
	return s
}
