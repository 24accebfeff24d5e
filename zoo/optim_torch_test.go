package zoo_test

import (
	"math"
	"testing"

	"github.com/gorgonia-zoo/zoo/internal/optimtest"
	"github.com/gorgonia-zoo/zoo/zoo"
)

const torchFixture = "testdata/optim_torch.json"

// TestOptimizersMatchPyTorch applies the same gradients to the same
// float32 weights as bench/torch_optim.py did with torch.optim: after each
// of five steps every weight agrees with PyTorch's to float32 rounding.
func TestOptimizersMatchPyTorch(t *testing.T) {
	optimtest.MatchTorch(t, optimtest.Load(t, torchFixture), zoo.OptimizerSGD, zoo.OptimizerAdam, zoo.OptimizerAdamW)
}

// TestSchedulesMatchPyTorch: LRAt gives PyTorch's learning rate in every
// epoch for StepLR, CosineAnnealingLR, LinearLR warm-up and their chains.
func TestSchedulesMatchPyTorch(t *testing.T) {
	f := optimtest.Load(t, torchFixture)
	num := func(m map[string]any, k string) float64 { v, _ := m[k].(float64); return v }
	for _, s := range f.Schedules {
		cfg := zoo.Config{Epochs: s.Epochs, LR: s.BaseLR, StepSize: int(num(s.Settings, "step_size")), Gamma: num(s.Settings, "gamma"),
			WarmupEpochs: int(num(s.Settings, "warmup")), BatchSize: 1}
		switch {
		case s.Name == "cosine" || s.Name == "warmup_cosine":
			cfg.Schedule = zoo.ScheduleCosine
		case s.Name == "step" || s.Name == "warmup_step":
			cfg.Schedule = zoo.ScheduleStep
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		for e, want := range s.LR {
			if got := cfg.LRAt(e + 1); math.Abs(got-want) > 1e-12*want+1e-15 {
				t.Errorf("%s: epoch %d: lr %v, PyTorch %v", s.Name, e+1, got, want)
			}
			if got := cfg.LRAtBatch(e+1, 3, 7); math.Abs(got-want) > 1e-12*want+1e-15 {
				t.Errorf("%s: epoch %d, batch 4: lr %v, PyTorch %v for the epoch", s.Name, e+1, got, want)
			}
		}
	}
}

// TestOneCycleMatchesPyTorch: LRAtBatch gives OneCycleLR's learning rate at
// every batch when it is stepped after each (PyTorch's defaults, other
// pct_start and factors, a warm-up shorter than a step), and LRAt its rate
// at every epoch when stepped once an epoch.
func TestOneCycleMatchesPyTorch(t *testing.T) {
	f := optimtest.Load(t, torchFixture)
	if len(f.OneCycle) == 0 {
		t.Fatal("no one-cycle cases in the fixture")
	}
	for _, s := range f.OneCycle {
		cfg := zoo.Config{Epochs: s.Epochs, LR: s.MaxLR, BatchSize: 1, Schedule: zoo.ScheduleOneCycle,
			PctStart: s.Settings["pct_start"], DivFactor: s.Settings["div_factor"], FinalDivFactor: s.Settings["final_div_factor"]}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		for step, want := range s.LR {
			e, i := step/s.Batches+1, step%s.Batches
			got := cfg.LRAtBatch(e, i, s.Batches)
			if s.Batches == 1 {
				got = cfg.LRAt(e)
			}
			if math.Abs(got-want) > 1e-12*want+1e-18 {
				t.Errorf("%s: epoch %d, batch %d: lr %v, PyTorch %v", s.Name, e, i+1, got, want)
			}
		}
	}
}

// TestClipGradientsMatchesPyTorch: ClipGradients scales gradients as
// torch.nn.utils.clip_grad_norm_ does, to float32 rounding, and returns
// the same norm; a norm above the gradients' leaves them as they are.
func TestClipGradientsMatchesPyTorch(t *testing.T) {
	f := optimtest.Load(t, torchFixture)
	if len(f.Clip) == 0 {
		t.Fatal("no clipping cases in the fixture")
	}
	for _, c := range f.Clip {
		ps := optimtest.Float32Params(f.Shapes, f.Init, f.Grads[0])
		norm, err := zoo.ClipGradients(ps, c.MaxNorm)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(norm-c.Norm) > 1e-6*c.Norm {
			t.Errorf("max norm %v: norm %v, PyTorch %v", c.MaxNorm, norm, c.Norm)
		}
		for k, p := range ps {
			g, _ := p.Grad()
			for i, got := range g.Data().([]float32) {
				want := c.Grads[k][i]
				if d := math.Abs(float64(got - want)); d > optimtest.Tolerance*math.Max(1, math.Abs(float64(want))) {
					t.Errorf("max norm %v: gradient %d[%d] %v, PyTorch %v", c.MaxNorm, k, i, got, want)
				}
			}
		}
	}
	if _, err := zoo.ClipGradients(nil, 0); err == nil {
		t.Error("a largest norm of 0 clipped")
	}
}
