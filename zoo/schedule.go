package zoo

import (
	"math"

	"github.com/pkg/errors"
)

// Schedules of the learning rate (Config.Schedule). The step and cosine
// schedules change it once an epoch, and a linear warm-up
// (Config.WarmupEpochs) multiplies either; the one-cycle schedule changes
// it every batch and warms up itself.
const (
	// ScheduleStep is StepLR: lr × Gamma^⌊e/StepSize⌋ in epoch e (from 0).
	ScheduleStep = "step"
	// ScheduleCosine is CosineAnnealingLR with T_max = Epochs, eta_min 0:
	// lr × (1 + cos(π e / Epochs)) / 2.
	ScheduleCosine = "cosine"
	// ScheduleOneCycle is OneCycleLR(max_lr=LR, total_steps=Epochs×batches
	// an epoch, pct_start, div_factor, final_div_factor, anneal_strategy
	// "cos", cycle_momentum=False), stepped after every batch: from
	// LR/div_factor up to LR over the first pct_start of the steps, then
	// down to LR/(div_factor×final_div_factor), both halves of a cosine.
	ScheduleOneCycle = "onecycle"
)

// Schedules lists the schedules' names.
var Schedules = []string{ScheduleStep, ScheduleCosine, ScheduleOneCycle}

// PyTorch's defaults of the schedules' settings, which their zero values
// in Config stand for.
const (
	DefaultGamma          = 0.1 // StepLR's gamma
	DefaultPctStart       = 0.3 // OneCycleLR's
	DefaultDivFactor      = 25
	DefaultFinalDivFactor = 1e4
)

// ScheduleGamma is c.Gamma, DefaultGamma when 0.
func (c Config) ScheduleGamma() float64 { return orDefault(c.Gamma, DefaultGamma) }

// OneCycle is the one-cycle schedule's pct_start, div_factor and
// final_div_factor, PyTorch's defaults for zeros.
func (c Config) OneCycle() (pctStart, divFactor, finalDivFactor float64) {
	return orDefault(c.PctStart, DefaultPctStart), orDefault(c.DivFactor, DefaultDivFactor), orDefault(c.FinalDivFactor, DefaultFinalDivFactor)
}

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

func (c Config) validateSchedule() error {
	if c.WarmupEpochs < 0 {
		return errors.Errorf("warm-up epochs must not be negative, got %d", c.WarmupEpochs)
	}
	if c.Schedule != ScheduleStep && (c.StepSize != 0 || c.Gamma != 0) {
		return errors.New("step size and gamma belong to the step schedule")
	}
	if c.Schedule != ScheduleOneCycle && (c.PctStart != 0 || c.DivFactor != 0 || c.FinalDivFactor != 0) {
		return errors.New("pct_start, div_factor and final_div_factor belong to the one-cycle schedule")
	}
	switch c.Schedule {
	case "", ScheduleCosine:
	case ScheduleStep:
		if c.StepSize < 1 {
			return errors.Errorf("the step schedule needs a step size of at least 1 epoch, got %d", c.StepSize)
		}
		if g := c.ScheduleGamma(); !(g > 0 && g <= 1) {
			return errors.Errorf("the step schedule's gamma must be in (0, 1], got %v", g)
		}
	case ScheduleOneCycle:
		pct, div, final := c.OneCycle()
		switch {
		case c.WarmupEpochs != 0:
			return errors.New("the one-cycle schedule warms up itself (pct_start): it takes no warm-up epochs")
		case !(pct > 0 && pct <= 1):
			return errors.Errorf("the one-cycle schedule's pct_start must be in (0, 1], got %v", pct)
		case !(div > 0) || math.IsInf(div, 0) || !(final > 0) || math.IsInf(final, 0):
			return errors.Errorf("the one-cycle schedule's div_factor and final_div_factor must be positive, got %v and %v", div, final)
		}
	default:
		return errors.Errorf("unknown schedule %q (want one of %v)", c.Schedule, Schedules)
	}
	return nil
}

// LRAt is the learning rate of epoch e (counting from 1) under the
// schedule and the warm-up, as PyTorch's schedulers give it when stepped
// once an epoch (chained: the factors multiply). The warm-up is LinearLR
// with start_factor 1/(W+1) over W epochs: lr × (1 + min(e−1, W)) / (W+1).
// Under the one-cycle schedule it is OneCycleLR stepped once an epoch
// (total_steps = Epochs); the harness steps it every batch (LRAtBatch).
func (c Config) LRAt(e int) float64 {
	i := float64(e - 1) // PyTorch counts epochs from 0
	lr := c.LR
	if w := float64(c.WarmupEpochs); w > 0 {
		start := 1 / (w + 1)
		lr *= start + (1-start)*math.Min(i, w)/w
	}
	switch c.Schedule {
	case ScheduleStep:
		lr *= math.Pow(c.ScheduleGamma(), math.Floor(i/float64(c.StepSize)))
	case ScheduleCosine:
		lr *= (1 + math.Cos(math.Pi*i/float64(c.Epochs))) / 2
	case ScheduleOneCycle:
		return c.oneCycleLR(e-1, c.Epochs)
	}
	return lr
}

// LRAtBatch is the learning rate of batch i (from 0) of the n batches of
// epoch e (from 1): LRAt(e) under a schedule of epochs, and under the
// one-cycle schedule OneCycleLR stepped after every batch, over
// total_steps = Epochs × n.
func (c Config) LRAtBatch(e, i, n int) float64 {
	if c.Schedule == ScheduleOneCycle {
		return c.oneCycleLR((e-1)*n+i, c.Epochs*n)
	}
	return c.LRAt(e)
}

// schedulePerBatch says that the learning rate changes within an epoch.
func (c Config) schedulePerBatch() bool { return c.Schedule == ScheduleOneCycle }

// oneCycleLR is OneCycleLR's learning rate at step (from 0) of total, in
// PyTorch's arithmetic (torch/optim/lr_scheduler.py, two phases, cosine
// annealing). A phase of no steps (pct_start × total ≤ 1) gives its end
// rate where PyTorch would divide by zero.
func (c Config) oneCycleLR(step, total int) float64 {
	pct, div, final := c.OneCycle()
	initial := c.LR / div
	s, warmEnd := float64(step), pct*float64(total)-1
	if s <= warmEnd {
		return annealCos(initial, c.LR, s, 0, warmEnd)
	}
	return annealCos(c.LR, initial/final, s, warmEnd, float64(total)-1)
}

// annealCos goes from lr a at step first to b at step last along half a
// cosine, as OneCycleLR's _annealing_cos computes it.
func annealCos(a, b, step, first, last float64) float64 {
	frac := 1.0
	if last > first {
		frac = (step - first) / (last - first)
	}
	return b + (a-b)/2*(math.Cos(math.Pi*frac)+1)
}
