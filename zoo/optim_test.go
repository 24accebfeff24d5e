package zoo

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestOptimizerSettingsValidated(t *testing.T) {
	base := DefaultConfig()
	cases := []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Optimizer = "lion" }, `unknown optimizer "lion"`},
		{func(c *Config) { c.OptimizerSettings = Settings{"momentum": 1} }, "momentum must be in [0, 1)"},
		{func(c *Config) {
			c.Optimizer, c.OptimizerSettings = OptimizerMomentum, Settings{"nesterov": 1, "dampening": 0.1}
		}, "Nesterov momentum requires zero dampening"},
		{func(c *Config) { c.OptimizerSettings = Settings{"nesterov": 1} }, "apply to momentum"},
		{func(c *Config) { c.OptimizerSettings = Settings{"nesterov": 0.5} }, "sgd's nesterov is true or false"},
		{func(c *Config) { c.Optimizer, c.OptimizerSettings = OptimizerAdam, Settings{"beta1": 1} }, "betas must be in [0, 1)"},
		{func(c *Config) { c.Optimizer, c.OptimizerSettings = OptimizerAdam, Settings{"eps": -1} }, "eps must be positive"},
		{func(c *Config) { c.Optimizer, c.OptimizerSettings = OptimizerAdam, Settings{"momentum": 0.9} },
			"momentum is not a setting of adam (its settings: beta1, beta2, eps)"},
		{func(c *Config) { c.OptimizerSettings = Settings{"beta2": 0.99} }, "beta2 is not a setting of sgd"},
		{func(c *Config) { c.OptimizerSettings = Settings{"momentum": math.NaN()} }, "must be a finite number"},
		{func(c *Config) { c.WeightDecay = -1 }, "weight decay must be"},
		{func(c *Config) { c.Schedule = ScheduleStep }, "step size of at least 1"},
		{func(c *Config) { c.Schedule, c.StepSize, c.Gamma = ScheduleStep, 2, 2 }, "gamma must be in (0, 1]"},
		{func(c *Config) { c.Schedule = "linear" }, `unknown schedule "linear"`},
		{func(c *Config) { c.Gamma = 0.5 }, "belong to the step schedule"},
		{func(c *Config) { c.WarmupEpochs = -1 }, "warm-up epochs must not be negative"},
		{func(c *Config) { c.Schedule, c.WarmupEpochs = ScheduleOneCycle, 1 }, "warms up itself"},
		{func(c *Config) { c.Schedule, c.PctStart = ScheduleOneCycle, 1.5 }, "pct_start must be in (0, 1]"},
		{func(c *Config) { c.Schedule, c.DivFactor = ScheduleOneCycle, -1 }, "must be positive"},
		{func(c *Config) { c.Schedule, c.PctStart = ScheduleCosine, 0.2 }, "belong to the one-cycle schedule"},
		{func(c *Config) { c.CropPadding = -1 }, "crop padding must be"},
		{func(c *Config) { c.ClipGradNorm = -1 }, "largest norm must be a positive number"},
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
	if opt, err := base.NewOptimizer(); err != nil {
		t.Fatal(err)
	} else if _, ok := opt.(*sgd); !ok {
		t.Error("the default configuration does not train with plain SGD")
	}
	a, b := base, base
	a.Optimizer = OptimizerMomentum
	b.OptimizerSettings = Settings{"momentum": 0.9}
	if ConfigHash("mnist", a) != ConfigHash("mnist", b) {
		t.Error("the momentum optimizer and SGD with momentum 0.9 hash differently")
	}
	c := base
	c.Optimizer = OptimizerAdam
	if ConfigHash("mnist", c) == ConfigHash("mnist", base) || ConfigHash("mnist", c) == ConfigHash("mnist", a) {
		t.Error("Adam hashes like SGD")
	}
	for _, same := range []Config{
		func() Config { c := base; c.Optimizer = OptimizerSGD; return c }(),
		func() Config { c := base; c.OptimizerSettings = Settings{"momentum": 0, "nesterov": 0}; return c }(),
	} {
		if ConfigHash("mnist", same) != ConfigHash("mnist", base) {
			t.Errorf("%+v hashes unlike the default", same)
		}
	}
}

// TestConfigHashesUnchanged: the built-in optimizers and schedules hash as
// they did before optimizers were registered (the hashes of the zoo at
// 4d6e7ca), so that -resume and reports group old and new runs; the newer
// settings change the hash.
func TestConfigHashesUnchanged(t *testing.T) {
	base := DefaultConfig()
	with := func(change func(*Config)) Config {
		c := base
		change(&c)
		return c
	}
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"momentum", with(func(c *Config) { c.Optimizer = OptimizerMomentum }), "045d4c448853"},
		{"sgd-nesterov-wd", with(func(c *Config) {
			c.OptimizerSettings, c.WeightDecay = Settings{"momentum": 0.9, "nesterov": 1}, 5e-4
		}), "1899b4d97e01"},
		{"sgd-damp", with(func(c *Config) { c.OptimizerSettings = Settings{"momentum": 0.8, "dampening": 0.5} }), "9cd04ddaf4c5"},
		{"adam", with(func(c *Config) { c.Optimizer = OptimizerAdam }), "2aa735eed566"},
		{"adam-all", with(func(c *Config) {
			c.Optimizer, c.WeightDecay = OptimizerAdam, 0.01
			c.OptimizerSettings = Settings{"beta1": 0.8, "beta2": 0.99, "eps": 1e-6}
		}), "c3f8eeaedd82"},
		{"adamw-cos", with(func(c *Config) {
			c.Optimizer, c.WeightDecay, c.Schedule, c.WarmupEpochs = OptimizerAdamW, 0.01, ScheduleCosine, 1
		}), "3af445dc7022"},
		{"sgd-step", with(func(c *Config) { c.Schedule, c.StepSize = ScheduleStep, 2 }), "eb253c2f04eb"},
		{"sgd-step-g", with(func(c *Config) { c.Schedule, c.StepSize, c.Gamma, c.Optimizer = ScheduleStep, 2, 0.5, OptimizerSGD }), "b88473bd706b"},
		{"sgd-warm", with(func(c *Config) { c.WarmupEpochs = 2 }), "6b908ac8aa15"},
		{"sgd-wd", with(func(c *Config) { c.WeightDecay = 1e-4 }), "2c20cd5248d0"},
	} {
		if got := ConfigHash("mnist", c.cfg); got != c.want {
			t.Errorf("%s hashes as %s, not %s as before", c.name, got, c.want)
		}
	}
	seen := map[string]string{ConfigHash("mnist", base): "the course's"}
	for name, cfg := range map[string]Config{
		"crop":       with(func(c *Config) { c.CropPadding = 2 }),
		"crop 3":     with(func(c *Config) { c.CropPadding = 3 }),
		"clip":       with(func(c *Config) { c.ClipGradNorm = 1 }),
		"onecycle":   with(func(c *Config) { c.Schedule = ScheduleOneCycle }),
		"onecycle p": with(func(c *Config) { c.Schedule, c.PctStart = ScheduleOneCycle, 0.25 }),
		"onecycle d": with(func(c *Config) { c.Schedule, c.DivFactor = ScheduleOneCycle, 10 }),
		"onecycle f": with(func(c *Config) { c.Schedule, c.FinalDivFactor = ScheduleOneCycle, 100 }),
	} {
		h := ConfigHash("mnist", cfg)
		if other, taken := seen[h]; taken {
			t.Errorf("%s hashes as %s", name, other)
		}
		seen[h] = name
	}
}

// TestConfigJSON: the settings are fields of the configuration's JSON, as
// records had them before optimizers were registered, and read back; a
// record of then reads as the same configuration.
func TestConfigJSON(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Optimizer, cfg.OptimizerSettings = OptimizerMomentum, Settings{"nesterov": 1, "dampening": 0}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"optimizer":"momentum","dampening":0,"nesterov":true}`; !strings.HasSuffix(string(b), want) {
		t.Errorf("encoded as %s, want it to end %s", b, want)
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Optimizer != cfg.Optimizer || len(back.OptimizerSettings) != 2 || back.OptimizerSettings["nesterov"] != 1 || ConfigHash("m", back) != ConfigHash("m", cfg) {
		t.Errorf("read back as %+v", back)
	}
	// A record written before (4d6e7ca): SGD with Nesterov momentum.
	old := `{"epochs":5,"lr":0.1,"batch_size":100,"seed":3,"eval_batch_size":1000,"momentum":0.9,"nesterov":true,"weight_decay":0.0005}`
	var then Config
	if err := json.Unmarshal([]byte(old), &then); err != nil {
		t.Fatal(err)
	}
	if got := ConfigHash("mnist", then); got != "1899b4d97e01" {
		t.Errorf("a record of before reads as %+v, hashing as %s", then, got)
	}
	// The default optimizer is written as none, as the course's records have it.
	sgdNamed := DefaultConfig()
	sgdNamed.Optimizer = OptimizerSGD
	if b, _ := json.Marshal(sgdNamed); strings.Contains(string(b), "optimizer") {
		t.Errorf("the default optimizer named: %s", b)
	}
	// Fields that are not settings, as a later version might add, are
	// ignored; a config that is not an object is an error.
	var later Config
	if err := json.Unmarshal([]byte(`{"epochs":1,"note":"x","extra":{"a":1},"alpha":null}`), &later); err != nil || later.Epochs != 1 || len(later.OptimizerSettings) != 0 {
		t.Errorf("fields of a later version: %+v, %v", later, err)
	}
	if err := json.Unmarshal([]byte(`[1]`), &later); err == nil {
		t.Error("a config that is an array was read")
	}
}

// TestOtherOptimizersTrain: model1 learns MNIST in one epoch with momentum,
// with AdamW under a cosine schedule after a warm-up, and with momentum
// under the one-cycle schedule, and the record's configuration says how.
func TestOtherOptimizersTrain(t *testing.T) {
	data := mnist(t).Head(12000, 2000)
	a, _ := Lookup("model1")
	for _, cfg := range []Config{
		{Epochs: 1, LR: 0.05, BatchSize: 100, Optimizer: OptimizerMomentum, OptimizerSettings: Settings{"nesterov": 1}},
		{Epochs: 2, LR: 0.002, BatchSize: 100, Optimizer: OptimizerAdamW, WeightDecay: 0.01, Schedule: ScheduleCosine, WarmupEpochs: 1},
		{Epochs: 1, LR: 0.1, BatchSize: 100, Optimizer: OptimizerMomentum, Schedule: ScheduleOneCycle},
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
