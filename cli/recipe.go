package cli

import "github.com/gorgonia-zoo/zoo/zoo"

// overrides are the flags that change one setting of a model's recipe
// (zoo.Architecture.Config): given, their value replaces the recipe's; not
// given, the recipe's stands. -lr, -batch and -optimizer are lists
// (configFor); the optimizers' settings are optimizerFlags'.
var overrides = []struct {
	flag  string
	apply func(to *zoo.Config, from zoo.Config)
}{
	{"epochs", func(to *zoo.Config, from zoo.Config) { to.Epochs = from.Epochs }},
	{"weight-decay", func(to *zoo.Config, from zoo.Config) { to.WeightDecay = from.WeightDecay }},
	{"step-size", func(to *zoo.Config, from zoo.Config) { to.StepSize = from.StepSize }},
	{"gamma", func(to *zoo.Config, from zoo.Config) { to.Gamma = from.Gamma }},
	{"pct-start", func(to *zoo.Config, from zoo.Config) { to.PctStart = from.PctStart }},
	{"div-factor", func(to *zoo.Config, from zoo.Config) { to.DivFactor = from.DivFactor }},
	{"final-div-factor", func(to *zoo.Config, from zoo.Config) { to.FinalDivFactor = from.FinalDivFactor }},
	{"warmup", func(to *zoo.Config, from zoo.Config) { to.WarmupEpochs = from.WarmupEpochs }},
	{"crop-padding", func(to *zoo.Config, from zoo.Config) { to.CropPadding = from.CropPadding }},
	{"clip-grad-norm", func(to *zoo.Config, from zoo.Config) { to.ClipGradNorm = from.ClipGradNorm }},
	{"eval-batch", func(to *zoo.Config, from zoo.Config) { to.EvalBatchSize = from.EvalBatchSize }},
	{"eval-every-epoch", func(to *zoo.Config, from zoo.Config) { to.EvalEveryEpoch = from.EvalEveryEpoch }},
	{"train-samples", func(to *zoo.Config, from zoo.Config) { to.TrainSamples = from.TrainSamples }},
	{"test-samples", func(to *zoo.Config, from zoo.Config) { to.TestSamples = from.TestSamples }},
}

// grid is the lists of a model's runs: the -optimizer, -lr and -batch
// given, else the recipe's one value of each.
func (o *options) grid(a zoo.Architecture) (optimizers []string, lrs []float64, batches []int) {
	r := a.Config()
	optimizers, lrs, batches = o.optimizers, o.lrs, o.batches
	if len(optimizers) == 0 {
		optimizers = []string{r.OptimizerName()}
	}
	if len(lrs) == 0 {
		lrs = []float64{r.LR}
	}
	if len(batches) == 0 {
		batches = []int{r.BatchSize}
	}
	return optimizers, lrs, batches
}

// configsPerModel is how many configurations each model trains with, the
// product of the lists given.
func (o *options) configsPerModel() int {
	return max(1, len(o.optimizers)) * max(1, len(o.lrs)) * max(1, len(o.batches))
}

// configFor is a's recipe with the flags given and one value of each list.
// An optimizer other than the recipe's comes without the recipe's settings
// and weight decay, and a schedule other than the recipe's without its
// settings: they belong to what they replace.
func (o *options) configFor(a zoo.Architecture, optimizer string, lr float64, batch int) zoo.Config {
	cfg := a.Config()
	if optimizer != cfg.OptimizerName() {
		cfg.Optimizer, cfg.OptimizerSettings, cfg.WeightDecay = optimizer, nil, 0
	}
	if o.set["schedule"] && o.cfg.Schedule != cfg.Schedule {
		cfg.Schedule, cfg.StepSize, cfg.Gamma, cfg.PctStart, cfg.DivFactor, cfg.FinalDivFactor = o.cfg.Schedule, 0, 0, 0, 0, 0
	}
	for _, f := range overrides {
		if o.set[f.flag] {
			f.apply(&cfg, o.cfg)
		}
	}
	if len(o.settings) > 0 {
		cfg.OptimizerSettings = cfg.OptimizerSettings.Clone()
		if cfg.OptimizerSettings == nil {
			cfg.OptimizerSettings = zoo.Settings{}
		}
		for name, v := range o.settings {
			cfg.OptimizerSettings[name] = v
		}
	}
	cfg.LR, cfg.BatchSize = lr, batch
	return cfg
}
