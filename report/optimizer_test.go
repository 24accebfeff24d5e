package report

import (
	"strings"
	"testing"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// TestDescribeOptimizer: a configuration says its optimizer's settings that
// are not the defaults, in the optimizer's order, then its weight decay,
// schedule, warm-up, crops and clipping; the course's says nothing.
func TestDescribeOptimizer(t *testing.T) {
	with := func(change func(*zoo.Config)) zoo.Config {
		c := zoo.DefaultConfig()
		change(&c)
		return c
	}
	for _, c := range []struct {
		cfg  zoo.Config
		want string
	}{
		{zoo.DefaultConfig(), ""},
		{with(func(c *zoo.Config) { c.Optimizer = zoo.OptimizerSGD }), ""},
		{with(func(c *zoo.Config) {
			c.Optimizer, c.OptimizerSettings = zoo.OptimizerMomentum, zoo.Settings{"nesterov": 1}
		}),
			", optimizer momentum (nesterov)"},
		{with(func(c *zoo.Config) {
			c.OptimizerSettings, c.WeightDecay = zoo.Settings{"nesterov": 0, "momentum": 0.8, "dampening": 0.1}, 5e-4
		}), ", optimizer sgd (momentum 0.8, dampening 0.1, weight decay 0.0005)"},
		{with(func(c *zoo.Config) {
			c.Optimizer, c.OptimizerSettings = zoo.OptimizerAdam, zoo.Settings{"eps": 1e-6, "beta1": 0.9}
			c.Schedule, c.StepSize = zoo.ScheduleStep, 2
		}), ", optimizer adam (eps 1e-06), schedule step (every 2 epochs × 0.1)"},
		{with(func(c *zoo.Config) { c.Schedule, c.CropPadding, c.ClipGradNorm = zoo.ScheduleOneCycle, 2, 1 }),
			", schedule one-cycle (pct_start 0.3, div_factor 25, final_div_factor 10000), random crops (padding 2), gradients clipped to norm 1"},
		{with(func(c *zoo.Config) { c.Optimizer, c.OptimizerSettings = "unregistered", zoo.Settings{"rho": 0.5} }),
			", optimizer unregistered (rho 0.5)"},
	} {
		if got := describeOptimizer(c.cfg); got != c.want {
			t.Errorf("%+v: %q, want %q", c.cfg, got, c.want)
		}
	}
}

// TestSweepVaryingSettings: an optimizer setting that varies is a
// hyperparameter of the sweep, read as the default where a configuration
// does not give it and as "-" for an optimizer without it (in the order
// they come, as words are: "-" is not a number).
func TestSweepVaryingSettings(t *testing.T) {
	var recs []zoo.Record
	for i, settings := range []zoo.Settings{nil, {"momentum": 0.9}, {"momentum": 0.5}} {
		cfg := zoo.DefaultConfig()
		cfg.OptimizerSettings = settings
		if i == 0 {
			cfg.Optimizer = zoo.OptimizerAdam
		}
		res := &zoo.Result{Model: "model1", TestAccuracy: 0.9, Correct: 9, Total: 10, TrainSeconds: 1, EpochLoss: []float64{0.3}}
		recs = append(recs, zoo.NewRecord(res, cfg, "mnist", zoo.Environment{}))
	}
	sweeps := Sweeps(Analyze([]Input{{Path: "s.jsonl", Records: recs}}))
	if len(sweeps) != 1 {
		t.Fatalf("%d sweeps", len(sweeps))
	}
	var got []string
	for _, h := range sweeps[0].Varying {
		got = append(got, h.Name+": "+strings.Join(h.Values, ","))
	}
	if want := "optimizer: adam,sgd; momentum: -,0.9,0.5"; strings.Join(got, "; ") != want {
		t.Errorf("varying %q, want %q", strings.Join(got, "; "), want)
	}
}
