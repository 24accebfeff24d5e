package zoo

import "github.com/pkg/errors"

// Config is the configuration a run of the architecture takes unless told
// otherwise: its Recipe over DefaultConfig. The Recipe's zero Epochs, LR and
// BatchSize are DefaultConfig's; the run's own settings (seed, evaluation
// batch, sample limits, per-epoch evaluation) are DefaultConfig's. For the
// course's seven, whose Recipe is zero, it is DefaultConfig: the course's
// protocol, hash and all.
func (a Architecture) Config() Config {
	c, def := a.Recipe, DefaultConfig()
	if c.Epochs == 0 {
		c.Epochs = def.Epochs
	}
	if c.LR == 0 {
		c.LR = def.LR
	}
	if c.BatchSize == 0 {
		c.BatchSize = def.BatchSize
	}
	c.Seed, c.EvalBatchSize, c.TrainSamples, c.TestSamples, c.EvalEveryEpoch = def.Seed, def.EvalBatchSize, def.TrainSamples, def.TestSamples, def.EvalEveryEpoch
	c.OptimizerSettings = c.OptimizerSettings.Clone()
	return c
}

// checkRecipe refuses a recipe that sets a run's own settings, or whose
// configuration is not valid.
func (a Architecture) checkRecipe() error {
	r := a.Recipe
	if r.Seed != 0 || r.EvalBatchSize != 0 || r.TrainSamples != 0 || r.TestSamples != 0 || r.EvalEveryEpoch {
		return errors.Errorf("zoo: %s's recipe sets a run's own settings (seed, evaluation batch, sample limits, evaluation every epoch)", a.Name)
	}
	return errors.Wrapf(a.Config().Validate(), "zoo: %s's recipe", a.Name)
}
