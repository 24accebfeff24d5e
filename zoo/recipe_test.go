package zoo

import (
	"context"
	"reflect"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/zoo/graph"
)

func buildTinyMLP(b *graph.Builder, x *G.Node, classes int) *G.Node {
	return graph.Linear(b, "fc", graph.Flatten(b, x), classes)
}

// TestCourseRecipes: the course's seven train with the course's protocol,
// hash and all.
func TestCourseRecipes(t *testing.T) {
	for _, name := range CourseModels() {
		a, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Config(); !reflect.DeepEqual(got, DefaultConfig()) || ConfigHash("mnist", got) != "b518a9e4cb3d" {
			t.Errorf("%s trains with %+v, not the course's protocol", name, got)
		}
	}
}

// TestRecipe: an architecture's recipe is its configuration, with
// DefaultConfig's epochs, rate and batch where it gives none and the run's
// own settings always DefaultConfig's; a changed copy does not change the
// registered recipe; Register refuses a recipe that is not valid or sets a
// run's own settings.
func TestRecipe(t *testing.T) {
	a := Architecture{Name: "recipe-test", Build: buildTinyMLP, Recipe: Config{
		Epochs: 12, Optimizer: OptimizerMomentum, OptimizerSettings: Settings{"nesterov": 1}, WeightDecay: 5e-4,
		Schedule: ScheduleOneCycle, PctStart: 0.2, CropPadding: 2, ClipGradNorm: 1,
	}}
	if err := Register(a); err != nil {
		t.Fatal(err)
	}
	got, _ := Lookup("recipe-test")
	cfg := got.Config()
	want := a.Recipe
	want.LR, want.BatchSize, want.EvalBatchSize = 0.1, 100, 1000
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config %+v, want %+v", cfg, want)
	}
	cfg.OptimizerSettings["nesterov"] = 0
	if again, _ := Lookup("recipe-test"); again.Config().OptimizerSettings["nesterov"] != 1 {
		t.Error("changing a configuration changed the registered recipe")
	}
	for _, c := range []struct {
		recipe Config
		want   string
	}{
		{Config{Seed: 3}, "sets a run's own settings"},
		{Config{TrainSamples: 100}, "sets a run's own settings"},
		{Config{Optimizer: "lion"}, `recipe-bad's recipe: unknown optimizer "lion"`},
		{Config{Schedule: ScheduleOneCycle, WarmupEpochs: 1}, "warms up itself"},
	} {
		bad := Architecture{Name: "recipe-bad", Build: buildTinyMLP, Recipe: c.recipe}
		if err := Register(bad); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.recipe, err, c.want)
		}
	}
}

// TestCropAndClipTrain: random crops and gradient clipping change training
// (and a run with them is the same twice), and model1 still learns with
// them; the record keeps them.
func TestCropAndClipTrain(t *testing.T) {
	data := mnist(t).Head(3000, 1000)
	a, _ := Lookup("model1")
	base := Config{Epochs: 1, LR: 0.1, BatchSize: 50}
	losses := map[string]float64{}
	for name, cfg := range map[string]Config{
		"plain": base,
		"crop":  func() Config { c := base; c.CropPadding = 2; return c }(),
		"clip":  func() Config { c := base; c.ClipGradNorm = 0.5; return c }(),
	} {
		var first float64
		for i := range 2 {
			res, _, err := Run(context.Background(), a, data, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = res.EpochLoss[0]
			} else if res.EpochLoss[0] != first {
				t.Errorf("%s: loss %v, then %v", name, first, res.EpochLoss[0])
			}
			t.Logf("%s: loss %.4f, test accuracy %.3f", name, res.EpochLoss[0], res.TestAccuracy)
			if res.TestAccuracy < 0.6 { // chance is 0.1
				t.Errorf("%s: test accuracy %.3f", name, res.TestAccuracy)
			}
		}
		for other, l := range losses {
			if l == first {
				t.Errorf("%s trains as %s does (loss %v)", name, other, l)
			}
		}
		losses[name] = first
	}
}

// TestScheduleInTraining: the harness trains each batch at the schedule's
// rate: the one-cycle schedule's every batch (LRAtBatch), a cosine
// schedule's every epoch (LRAt), the course's at its constant rate.
func TestScheduleInTraining(t *testing.T) {
	data := mnist(t).Head(1000, 100)
	a, _ := Lookup("model1")
	for _, cfg := range []Config{
		{Epochs: 2, LR: 0.1, BatchSize: 100, Schedule: ScheduleOneCycle, PctStart: 0.25},
		{Epochs: 3, LR: 0.1, BatchSize: 100, Schedule: ScheduleCosine},
		{Epochs: 2, LR: 0.1, BatchSize: 100},
	} {
		steps := 0
		_, _, err := Run(context.Background(), a, data, cfg, func(p Progress) {
			if p.EpochEnd {
				return
			}
			steps++
			if want := cfg.LRAtBatch(p.Epoch, p.Step-1, p.Steps); p.LR != want {
				t.Errorf("%s: epoch %d, step %d at lr %v, want %v", cfg.Schedule, p.Epoch, p.Step, p.LR, want)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if steps != cfg.Epochs*10 {
			t.Errorf("%s: %d steps", cfg.Schedule, steps)
		}
	}
}
