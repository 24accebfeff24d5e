package zoo

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// fakeParam is a parameter and its gradient as the optimizers see them.
type fakeParam struct{ w, g *tensor.Dense }

func (p fakeParam) Value() G.Value         { return p.w }
func (p fakeParam) Grad() (G.Value, error) { return p.g, nil }

type torchFixture struct {
	Torch      string        `json:"torch"`
	Shapes     [][]int       `json:"shapes"`
	Init       [][]float32   `json:"init"`
	Grads      [][][]float32 `json:"grads"`
	Optimizers []struct {
		Name      string         `json:"name"`
		Optimizer string         `json:"optimizer"`
		LR        float64        `json:"lr"`
		Settings  map[string]any `json:"settings"`
		After     [][][]float32  `json:"after"`
	} `json:"optimizers"`
	Schedules []struct {
		Name     string         `json:"name"`
		BaseLR   float64        `json:"base_lr"`
		Epochs   int            `json:"epochs"`
		Settings map[string]any `json:"settings"`
		LR       []float64      `json:"lr"`
	} `json:"schedules"`
}

func loadTorchFixture(t *testing.T) *torchFixture {
	b, err := os.ReadFile("testdata/optim_torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var f torchFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func num(m map[string]any, k string) float64 {
	v, _ := m[k].(float64)
	return v
}

// TestOptimizersMatchPyTorch applies the same gradients to the same
// float32 weights as bench/torch_optim.py did with torch.optim: after each
// of five steps every weight agrees with PyTorch's to float32 rounding.
func TestOptimizersMatchPyTorch(t *testing.T) {
	f := loadTorchFixture(t)
	for _, o := range f.Optimizers {
		t.Run(o.Name, func(t *testing.T) {
			cfg := Config{Epochs: 1, BatchSize: 1, LR: o.LR, Optimizer: o.Optimizer,
				Momentum: num(o.Settings, "momentum"), Dampening: num(o.Settings, "dampening"),
				WeightDecay: num(o.Settings, "weight_decay"), Beta1: num(o.Settings, "beta1"),
				Beta2: num(o.Settings, "beta2"), Eps: num(o.Settings, "eps")}
			cfg.Nesterov, _ = o.Settings["nesterov"].(bool)
			if err := cfg.validateOptimizer(); err != nil {
				t.Fatal(err)
			}
			opt := newOptimizer(cfg)
			params := make([]G.ValueGrad, len(f.Shapes))
			ws := make([]*tensor.Dense, len(f.Shapes))
			for k, shape := range f.Shapes {
				ws[k] = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float32(nil), f.Init[k]...)))
			}
			for step, grads := range f.Grads {
				for k, shape := range f.Shapes {
					g := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float32(nil), grads[k]...)))
					params[k] = fakeParam{ws[k], g}
				}
				if err := opt.Step(params); err != nil {
					t.Fatal(err)
				}
				worst := 0.0
				for k := range f.Shapes {
					for i, got := range ws[k].Float32s() {
						want := o.After[step][k][i]
						d := math.Abs(float64(got-want)) / math.Max(1, math.Abs(float64(want)))
						worst = math.Max(worst, d)
					}
				}
				// A few float32 roundings apart at most (2⁻²⁴ ≈ 6e-8 each).
				if worst > 1e-6 {
					t.Errorf("step %d: weights differ from PyTorch %s's by up to %.2g (relative)", step+1, f.Torch, worst)
				}
			}
		})
	}
}

// TestSchedulesMatchPyTorch: LRAt gives PyTorch's learning rate in every
// epoch for StepLR, CosineAnnealingLR, LinearLR warm-up and their chains.
func TestSchedulesMatchPyTorch(t *testing.T) {
	f := loadTorchFixture(t)
	for _, s := range f.Schedules {
		cfg := Config{Epochs: s.Epochs, LR: s.BaseLR, StepSize: int(num(s.Settings, "step_size")), Gamma: num(s.Settings, "gamma"),
			WarmupEpochs: int(num(s.Settings, "warmup"))}
		switch {
		case s.Name == "cosine" || s.Name == "warmup_cosine":
			cfg.Schedule = ScheduleCosine
		case s.Name == "step" || s.Name == "warmup_step":
			cfg.Schedule = ScheduleStep
		}
		if err := cfg.validateOptimizer(); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		for e, want := range s.LR {
			if got := cfg.LRAt(e + 1); math.Abs(got-want) > 1e-12*want+1e-15 {
				t.Errorf("%s: epoch %d: lr %v, PyTorch %v", s.Name, e+1, got, want)
			}
		}
	}
}

func TestOptimizerSettingsValidated(t *testing.T) {
	base := DefaultConfig()
	cases := []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Optimizer = "rmsprop" }, `unknown optimizer "rmsprop"`},
		{func(c *Config) { c.Momentum = 1 }, "momentum must be in [0, 1)"},
		{func(c *Config) { c.Optimizer, c.Nesterov, c.Dampening = OptimizerMomentum, true, 0.1 }, "Nesterov momentum requires"},
		{func(c *Config) { c.Nesterov = true }, "Nesterov momentum requires"},
		{func(c *Config) { c.Optimizer, c.Beta1 = OptimizerAdam, 1 }, "betas must be in [0, 1)"},
		{func(c *Config) { c.Optimizer, c.Momentum = OptimizerAdam, 0.9 }, "SGD's settings, not Adam's"},
		{func(c *Config) { c.Beta2 = 0.99 }, "Adam's settings, not SGD's"},
		{func(c *Config) { c.WeightDecay = -1 }, "weight decay must be"},
		{func(c *Config) { c.Schedule = ScheduleStep }, "step size of at least 1"},
		{func(c *Config) { c.Schedule, c.StepSize, c.Gamma = ScheduleStep, 2, 2 }, "gamma must be in (0, 1]"},
		{func(c *Config) { c.Schedule = "linear" }, `unknown schedule "linear"`},
		{func(c *Config) { c.Gamma = 0.5 }, "belong to the step schedule"},
		{func(c *Config) { c.WarmupEpochs = -1 }, "warm-up epochs must not be negative"},
	}
	for _, c := range cases {
		cfg := base
		c.change(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", cfg, err, c.want)
		}
	}
}

// TestPlainSGDUnchanged: the course's configuration hashes as before and
// trains with the plain SGD type; momentum written either way hashes the
// same; another optimizer changes the hash.
func TestPlainSGDUnchanged(t *testing.T) {
	base := DefaultConfig()
	// The hash recorded for the course's protocol before optimizers came
	// (pretrained/weights/training.jsonl).
	if got := ConfigHash("mnist", base); got != "b518a9e4cb3d" {
		t.Fatalf("the course's configuration hashes as %q, not b518a9e4cb3d as before", got)
	}
	if _, ok := newOptimizer(base).(*sgd); !ok {
		t.Error("the default configuration does not train with plain SGD")
	}
	a, b := base, base
	a.Optimizer = OptimizerMomentum
	b.Momentum = 0.9
	if ConfigHash("mnist", a) != ConfigHash("mnist", b) {
		t.Error("the momentum optimizer and SGD with momentum 0.9 hash differently")
	}
	c := base
	c.Optimizer = OptimizerAdam
	if ConfigHash("mnist", c) == ConfigHash("mnist", base) || ConfigHash("mnist", c) == ConfigHash("mnist", a) {
		t.Error("Adam hashes like SGD")
	}
	sgdNamed := base
	sgdNamed.Optimizer = OptimizerSGD
	if ConfigHash("mnist", sgdNamed) != ConfigHash("mnist", base) {
		t.Error(`Optimizer "sgd" hashes unlike the default`)
	}
}

// TestOtherOptimizersTrain: model1 learns MNIST in one epoch with momentum
// and with AdamW under a cosine schedule after a warm-up, and the record's
// configuration says how.
func TestOtherOptimizersTrain(t *testing.T) {
	data := mnist(t).Head(12000, 2000)
	a, _ := Lookup("model1")
	for _, cfg := range []Config{
		{Epochs: 1, LR: 0.05, BatchSize: 100, Optimizer: OptimizerMomentum, Nesterov: true},
		{Epochs: 2, LR: 0.002, BatchSize: 100, Optimizer: OptimizerAdamW, WeightDecay: 0.01, Schedule: ScheduleCosine, WarmupEpochs: 1},
	} {
		res, _, err := Run(context.Background(), a, data, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.TestAccuracy < 0.85 {
			t.Errorf("%s: test accuracy %.4f after %d epochs", cfg.Optimizer, res.TestAccuracy, cfg.Epochs)
		}
		rec := NewRecord(res, cfg, "mnist", Environment{})
		b, _ := json.Marshal(rec.Config)
		if !strings.Contains(string(b), `"optimizer":"`+cfg.Optimizer+`"`) {
			t.Errorf("record config %s", b)
		}
	}
}
