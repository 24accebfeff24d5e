package cli

import (
	"io"
	"reflect"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/zoo/graph"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// recipeArch is a model with a recipe of every kind of setting.
var recipeArch = zoo.Architecture{Name: "recipe", Build: func(b *graph.Builder, x *G.Node, classes int) *G.Node {
	return graph.Linear(b, "fc", graph.Flatten(b, x), classes)
}, Recipe: zoo.Config{
	Epochs: 12, LR: 0.05, BatchSize: 128, Optimizer: zoo.OptimizerMomentum, OptimizerSettings: zoo.Settings{"nesterov": 1},
	WeightDecay: 5e-4, Schedule: zoo.ScheduleOneCycle, PctStart: 0.2, CropPadding: 2, ClipGradNorm: 1,
}}

// TestFlagsOverrideTheRecipe: a model trains with its recipe, each flag
// given replacing what it says and nothing else (a zero given replaces
// too); an optimizer or schedule other than the recipe's comes without
// the recipe's settings for it; a setting the optimizer has not is an
// error; the course's models keep the course's protocol.
func TestFlagsOverrideTheRecipe(t *testing.T) {
	recipe := recipeArch.Config()
	with := func(change func(*zoo.Config)) zoo.Config {
		c := recipe
		c.OptimizerSettings = c.OptimizerSettings.Clone()
		change(&c)
		return c
	}
	for _, c := range []struct {
		args []string
		want zoo.Config
	}{
		{nil, recipe},
		{[]string{"-lr", "0.1"}, with(func(c *zoo.Config) { c.LR = 0.1 })},
		{[]string{"-epochs", "3", "-batch", "64"}, with(func(c *zoo.Config) { c.Epochs, c.BatchSize = 3, 64 })},
		{[]string{"-crop-padding", "0", "-clip-grad-norm", "0"}, with(func(c *zoo.Config) { c.CropPadding, c.ClipGradNorm = 0, 0 })},
		{[]string{"-momentum", "0.8"}, with(func(c *zoo.Config) { c.OptimizerSettings["momentum"] = 0.8 })},
		{[]string{"-optimizer", "momentum", "-nesterov=false"}, with(func(c *zoo.Config) { c.OptimizerSettings["nesterov"] = 0 })},
		{[]string{"-optimizer", "adam", "-betas", "0.8,0.99"}, with(func(c *zoo.Config) {
			c.Optimizer, c.OptimizerSettings, c.WeightDecay = zoo.OptimizerAdam, zoo.Settings{"beta1": 0.8, "beta2": 0.99}, 0
		})},
		{[]string{"-optimizer", "rmsprop", "-centered", "-weight-decay", "0.01"}, with(func(c *zoo.Config) {
			c.Optimizer, c.OptimizerSettings, c.WeightDecay = "rmsprop", zoo.Settings{"centered": 1}, 0.01
		})},
		{[]string{"-schedule", "cosine", "-warmup", "1"}, with(func(c *zoo.Config) { c.Schedule, c.PctStart, c.WarmupEpochs = zoo.ScheduleCosine, 0, 1 })},
		{[]string{"-pct-start", "0.4", "-div-factor", "10"}, with(func(c *zoo.Config) { c.PctStart, c.DivFactor = 0.4, 10 })},
		{[]string{"-train-samples", "1000", "-eval-every-epoch"}, with(func(c *zoo.Config) { c.TrainSamples, c.EvalEveryEpoch = 1000, true })},
	} {
		o, err := parseFlags(c.args, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		plan, err := o.buildPlan([]zoo.Architecture{recipeArch})
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if len(plan) != 1 || !reflect.DeepEqual(plan[0].cfg, c.want) {
			t.Errorf("%v: %d runs, the first %+v, want %+v", c.args, len(plan), plan[0].cfg, c.want)
		}
	}

	o, _ := parseFlags([]string{"-optimizer", "adam", "-momentum", "0.9"}, io.Discard)
	if _, err := o.buildPlan([]zoo.Architecture{recipeArch}); err == nil || !strings.Contains(err.Error(), "recipe: momentum is not a setting of adam") {
		t.Errorf("a setting adam has not: %v", err)
	}
	course, _ := zoo.Lookup("cnn2")
	o, _ = parseFlags([]string{"-seeds", "0,1"}, io.Discard)
	plan, err := o.buildPlan([]zoo.Architecture{course, recipeArch})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 4 || zoo.ConfigHash("mnist", plan[0].cfg) != "b518a9e4cb3d" || plan[2].cfg.Epochs != 12 {
		t.Errorf("cnn2 and recipe: %+v", plan)
	}
}

// TestOptimizerFlagsFromTheRegistry: every registered optimizer's settings
// are flags (RMSprop's -alpha and -centered, from package optim), listed by
// -h with their optimizers and defaults, and they reach the run's
// configuration and hash.
func TestOptimizerFlagsFromTheRegistry(t *testing.T) {
	code, _, stderr := runCmd(t, "-h")
	for _, want := range []string{"-alpha", "-centered", "(default: rmsprop 0.99)", "-momentum", "(default: sgd 0, momentum 0.9, rmsprop 0)"} {
		if code != exitOK || !strings.Contains(stderr, want) {
			t.Errorf("-h does not say %q:\n%s", want, stderr)
		}
	}
	hashes := map[string]bool{}
	for _, args := range [][]string{
		{"-optimizer", "rmsprop"},
		{"-optimizer", "rmsprop", "-alpha", "0.9"},
		{"-optimizer", "rmsprop", "-alpha", "0.9", "-centered"},
	} {
		code, stdout, stderr := runCmd(t, append([]string{"-plan", "-model", "model1", "-lr", "0.01"}, args...)...)
		if code != exitOK || !strings.Contains(stdout, "rmsprop") {
			t.Fatalf("%v: exit %d\n%s%s", args, code, stdout, stderr)
		}
		hashes[strings.Fields(strings.Split(stdout, "\n")[2])[7]] = true
	}
	if len(hashes) != 3 {
		t.Errorf("%d configuration hashes for 3 configurations", len(hashes))
	}
	code, _, stderr = runCmd(t, "-plan", "-model", "model1", "-optimizer", "rmsprop", "-centered=maybe")
	if code != exitUsage || !strings.Contains(stderr, `"maybe" is not true or false`) {
		t.Errorf("-centered=maybe: exit %d, %q", code, stderr)
	}
}
