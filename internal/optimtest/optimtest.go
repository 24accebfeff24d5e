// Package optimtest checks registered optimizers against what torch.optim
// did on the same weights and gradients: the fixture bench/torch_optim.py
// writes (zoo/testdata/optim_torch.json). It serves the tests of package zoo
// and of packages that register optimizers of their own.
package optimtest

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// Fixture is the file bench/torch_optim.py writes.
type Fixture struct {
	Torch      string        `json:"torch"`
	Shapes     [][]int       `json:"shapes"`
	Init       [][]float32   `json:"init"`
	Grads      [][][]float32 `json:"grads"` // per step, per parameter
	Optimizers []Case        `json:"optimizers"`
	Schedules  []struct {
		Name     string         `json:"name"`
		BaseLR   float64        `json:"base_lr"`
		Epochs   int            `json:"epochs"`
		Settings map[string]any `json:"settings"`
		LR       []float64      `json:"lr"`
	} `json:"schedules"`
	OneCycle []struct {
		Name     string             `json:"name"`
		MaxLR    float64            `json:"max_lr"`
		Epochs   int                `json:"epochs"`
		Batches  int                `json:"batches"`
		Settings map[string]float64 `json:"settings"`
		LR       []float64          `json:"lr"`
	} `json:"one_cycle"`
	Clip []struct {
		MaxNorm float64     `json:"max_norm"`
		Norm    float64     `json:"norm"`
		Grads   [][]float32 `json:"grads"`
	} `json:"clip"`
}

// Case is one optimizer's five steps in PyTorch.
type Case struct {
	Name      string         `json:"name"`
	Optimizer string         `json:"optimizer"` // the zoo's name of it
	LR        float64        `json:"lr"`
	Settings  map[string]any `json:"settings"` // PyTorch's arguments, weight_decay among them
	After     [][][]float32  `json:"after"`    // the weights after each step
}

// Config is the zoo's configuration of the case: weight_decay is
// Config.WeightDecay, every other argument a setting of the optimizer (a
// bool 1 or 0).
func (c Case) Config() zoo.Config {
	cfg := zoo.Config{Epochs: 1, BatchSize: 1, LR: c.LR, Optimizer: c.Optimizer}
	for k, v := range c.Settings {
		var x float64
		switch v := v.(type) {
		case float64:
			x = v
		case bool:
			if v {
				x = 1
			}
		}
		if k == "weight_decay" {
			cfg.WeightDecay = x
			continue
		}
		if cfg.OptimizerSettings == nil {
			cfg.OptimizerSettings = zoo.Settings{}
		}
		cfg.OptimizerSettings[k] = x
	}
	return cfg
}

// Load reads the fixture at path.
func Load(t testing.TB, path string) *Fixture {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f Fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

// param is a parameter and its gradient as optimizers see them.
type param struct{ w, g *tensor.Dense }

func (p param) Value() G.Value         { return p.w }
func (p param) Grad() (G.Value, error) { return p.g, nil }

// Float32Params are tensors over copies of values, each with its
// gradient's, as an optimizer takes them.
func Float32Params(shapes [][]int, values, grads [][]float32) []G.ValueGrad {
	ps := make([]G.ValueGrad, len(shapes))
	for k, shape := range shapes {
		ps[k] = param{
			w: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(slices.Clone(values[k]))),
			g: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(slices.Clone(grads[k]))),
		}
	}
	return ps
}

// Tolerance is the largest difference from PyTorch's weights allowed,
// relative to max(1, |PyTorch's|): a few float32 roundings (2⁻²⁴ ≈ 6e-8
// each).
const Tolerance = 1e-6

// MatchTorch runs each case of the fixture whose optimizer is one of names
// through the zoo's optimizer of its Config and checks that after each of
// the five steps every weight is PyTorch's within Tolerance. Every name must
// have a case.
func MatchTorch(t *testing.T, f *Fixture, names ...string) {
	t.Helper()
	covered := map[string]bool{}
	for _, c := range f.Optimizers {
		if !slices.Contains(names, c.Optimizer) {
			continue
		}
		covered[c.Optimizer] = true
		t.Run(c.Name, func(t *testing.T) {
			opt, err := c.Config().NewOptimizer()
			if err != nil {
				t.Fatal(err)
			}
			ws := make([][]float32, len(f.Init))
			for k := range f.Init {
				ws[k] = slices.Clone(f.Init[k])
			}
			for step, grads := range f.Grads {
				ps := Float32Params(f.Shapes, ws, grads)
				if err := opt.Step(ps); err != nil {
					t.Fatal(err)
				}
				worst := 0.0
				for k, p := range ps {
					ws[k] = p.Value().Data().([]float32)
					for i, got := range ws[k] {
						want := c.After[step][k][i]
						worst = math.Max(worst, math.Abs(float64(got-want))/math.Max(1, math.Abs(float64(want))))
					}
				}
				if worst > Tolerance {
					t.Errorf("step %d: weights differ from PyTorch %s's by up to %.2g (relative)", step+1, f.Torch, worst)
				}
			}
		})
	}
	for _, n := range names {
		if !covered[n] {
			t.Errorf("the fixture has no case of %s", n)
		}
	}
}
