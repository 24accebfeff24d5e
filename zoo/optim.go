package zoo

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The optimizers (Config.Optimizer), with PyTorch's semantics.
const (
	// OptimizerSGD is torch.optim.SGD: plain SGD, the course's, unless
	// Config.Momentum or WeightDecay are set.
	OptimizerSGD = "sgd"
	// OptimizerMomentum is SGD with momentum: Config.Momentum, 0.9 when
	// zero, with Dampening and Nesterov as torch.optim.SGD has them.
	OptimizerMomentum = "momentum"
	// OptimizerAdam is torch.optim.Adam (WeightDecay adds to the gradient).
	OptimizerAdam = "adam"
	// OptimizerAdamW is torch.optim.AdamW (WeightDecay shrinks the weights).
	OptimizerAdamW = "adamw"
)

// Schedules of the learning rate over epochs (Config.Schedule); a linear
// warm-up (Config.WarmupEpochs) multiplies either.
const (
	// ScheduleStep is StepLR: lr × Gamma^⌊e/StepSize⌋ in epoch e (from 0).
	ScheduleStep = "step"
	// ScheduleCosine is CosineAnnealingLR with T_max = Epochs, eta_min 0:
	// lr × (1 + cos(π e / Epochs)) / 2.
	ScheduleCosine = "cosine"
)

// Optimizers lists the optimizer names, Schedules the schedules'.
var (
	Optimizers = []string{OptimizerSGD, OptimizerMomentum, OptimizerAdam, OptimizerAdamW}
	Schedules  = []string{ScheduleStep, ScheduleCosine}
)

// optimizerName is Config.Optimizer with "" read as plain SGD.
func (c Config) optimizerName() string {
	if c.Optimizer == "" {
		return OptimizerSGD
	}
	return c.Optimizer
}

// plainSGD says that c trains with the course's optimizer: SGD with no
// momentum, weight decay or schedule.
func (c Config) plainSGD() bool {
	return c.optimizerName() == OptimizerSGD && c.Momentum == 0 && c.WeightDecay == 0 &&
		c.Schedule == "" && c.WarmupEpochs == 0
}

func (c Config) validateOptimizer() error {
	switch c.optimizerName() {
	case OptimizerSGD, OptimizerMomentum:
		switch {
		case c.Momentum < 0 || c.Momentum >= 1:
			return errors.Errorf("momentum must be in [0, 1), got %v", c.Momentum)
		case c.Dampening < 0 || c.Dampening > 1:
			return errors.Errorf("dampening must be in [0, 1], got %v", c.Dampening)
		case c.Nesterov && (c.momentum() == 0 || c.Dampening != 0):
			return errors.New("Nesterov momentum requires a momentum and zero dampening")
		case c.optimizerName() == OptimizerSGD && c.Momentum == 0 && (c.Dampening != 0 || c.Nesterov):
			return errors.New("dampening and Nesterov apply to momentum: give a momentum or the momentum optimizer")
		}
	case OptimizerAdam, OptimizerAdamW:
		b1, b2, eps := c.adamParams()
		switch {
		case b1 < 0 || b1 >= 1 || b2 < 0 || b2 >= 1:
			return errors.Errorf("Adam's betas must be in [0, 1), got %v and %v", b1, b2)
		case !(eps > 0) || math.IsInf(eps, 0):
			return errors.Errorf("Adam's eps must be positive, got %v", eps)
		case c.Momentum != 0 || c.Dampening != 0 || c.Nesterov:
			return errors.New("momentum, dampening and Nesterov are SGD's settings, not Adam's")
		}
	default:
		return errors.Errorf("unknown optimizer %q (want one of %v)", c.Optimizer, Optimizers)
	}
	if c.optimizerName() == OptimizerSGD || c.optimizerName() == OptimizerMomentum {
		if c.Beta1 != 0 || c.Beta2 != 0 || c.Eps != 0 {
			return errors.New("betas and eps are Adam's settings, not SGD's")
		}
	}
	switch {
	case c.WeightDecay < 0 || math.IsInf(c.WeightDecay, 0) || math.IsNaN(c.WeightDecay):
		return errors.Errorf("weight decay must be a non-negative number, got %v", c.WeightDecay)
	case c.WarmupEpochs < 0:
		return errors.Errorf("warm-up epochs must not be negative, got %d", c.WarmupEpochs)
	}
	switch c.Schedule {
	case "":
		if c.StepSize != 0 || c.Gamma != 0 {
			return errors.New("step size and gamma belong to the step schedule")
		}
	case ScheduleStep:
		if c.StepSize < 1 {
			return errors.Errorf("the step schedule needs a step size of at least 1 epoch, got %d", c.StepSize)
		}
		if g := c.gamma(); !(g > 0 && g <= 1) {
			return errors.Errorf("the step schedule's gamma must be in (0, 1], got %v", g)
		}
	case ScheduleCosine:
		if c.StepSize != 0 || c.Gamma != 0 {
			return errors.New("step size and gamma belong to the step schedule, not the cosine one")
		}
	default:
		return errors.Errorf("unknown schedule %q (want one of %v)", c.Schedule, Schedules)
	}
	return nil
}

// momentum is Config.Momentum with the momentum optimizer's default.
func (c Config) momentum() float64 {
	if c.Optimizer == OptimizerMomentum && c.Momentum == 0 {
		return 0.9
	}
	return c.Momentum
}

// adamParams are the betas and eps with PyTorch's defaults for zeros.
func (c Config) adamParams() (b1, b2, eps float64) {
	b1, b2, eps = c.Beta1, c.Beta2, c.Eps
	if b1 == 0 {
		b1 = 0.9
	}
	if b2 == 0 {
		b2 = 0.999
	}
	if eps == 0 {
		eps = 1e-8
	}
	return b1, b2, eps
}

func (c Config) gamma() float64 {
	if c.Gamma == 0 {
		return 0.1
	}
	return c.Gamma
}

// LRAt is the learning rate of epoch e (counting from 1) under the
// schedule and the warm-up, as PyTorch's schedulers give it when stepped
// once per epoch (chained: the factors multiply). The warm-up is LinearLR
// with start_factor 1/(W+1) over W epochs: lr × (1 + min(e−1, W)) / (W+1).
func (c Config) LRAt(e int) float64 {
	i := float64(e - 1) // PyTorch counts epochs from 0
	lr := c.LR
	if w := float64(c.WarmupEpochs); w > 0 {
		start := 1 / (w + 1)
		lr *= start + (1-start)*math.Min(i, w)/w
	}
	switch c.Schedule {
	case ScheduleStep:
		lr *= math.Pow(c.gamma(), math.Floor(i/float64(c.StepSize)))
	case ScheduleCosine:
		lr *= (1 + math.Cos(math.Pi*i/float64(c.Epochs))) / 2
	}
	return lr
}

// optimizer updates parameters from their gradients.
type optimizer interface {
	Step(params []G.ValueGrad) error
	SetLR(lr float64)
}

// newOptimizer makes cfg's optimizer at learning rate cfg.LR. Plain SGD is
// the sgd type, bit for bit the harness's SGD of before.
func newOptimizer(cfg Config) optimizer {
	if cfg.plainSGD() {
		return &sgd{lr: cfg.LR}
	}
	switch cfg.optimizerName() {
	case OptimizerAdam, OptimizerAdamW:
		b1, b2, eps := cfg.adamParams()
		return &adam{lr: cfg.LR, beta1: b1, beta2: b2, eps: eps, weightDecay: cfg.WeightDecay, decoupled: cfg.optimizerName() == OptimizerAdamW}
	}
	return &momentumSGD{lr: cfg.LR, momentum: cfg.momentum(), dampening: cfg.Dampening, nesterov: cfg.Nesterov, weightDecay: cfg.WeightDecay}
}

func (s *sgd) SetLR(lr float64) { s.lr = lr }

// float32s returns a parameter's weights and gradient as float32 slices.
func float32s(p G.ValueGrad, who string) (w, g []float32, err error) {
	wt, ok := p.Value().(*tensor.Dense)
	if !ok || wt.Dtype() != tensor.Float32 {
		return nil, nil, errors.Errorf("%s: parameter %v is not a float32 tensor", who, p.Value())
	}
	gv, err := p.Grad()
	if err != nil {
		return nil, nil, errors.Wrap(err, who)
	}
	gt, ok := gv.(*tensor.Dense)
	if !ok || gt.Dtype() != tensor.Float32 || !gt.Shape().Eq(wt.Shape()) {
		return nil, nil, errors.Errorf("%s: gradient %v does not match parameter %v", who, gv, wt.Shape())
	}
	return wt.Float32s(), gt.Float32s(), nil
}

// momentumSGD is torch.optim.SGD with weight decay and momentum: for each
// weight, g ← g + λw; b ← g at the first step, else μb + (1−τ)g; then
// g ← g + μb with Nesterov, else g ← b; and w ← w − lr·g. Arithmetic in
// float32, as PyTorch's on float32 tensors.
type momentumSGD struct {
	lr, momentum, dampening, weightDecay float64
	nesterov                             bool
	bufs                                 [][]float32 // per parameter; nil before the first step
}

func (o *momentumSGD) SetLR(lr float64) { o.lr = lr }

func (o *momentumSGD) Step(params []G.ValueGrad) error {
	if o.bufs == nil {
		o.bufs = make([][]float32, len(params))
	}
	lr, mu, damp, wd := float32(o.lr), float32(o.momentum), float32(1-o.dampening), float32(o.weightDecay)
	for k, p := range params {
		w, g, err := float32s(p, "sgd")
		if err != nil {
			return err
		}
		buf := o.bufs[k]
		first := buf == nil && mu != 0
		if first {
			buf = make([]float32, len(w))
			o.bufs[k] = buf
		}
		for i := range w {
			d := g[i]
			if wd != 0 {
				d += wd * w[i]
			}
			if mu != 0 {
				if first {
					buf[i] = d
				} else {
					buf[i] = mu*buf[i] + damp*d
				}
				if o.nesterov {
					d += mu * buf[i]
				} else {
					d = buf[i]
				}
			}
			w[i] -= lr * d
		}
	}
	return nil
}

// adam is torch.optim.Adam, and AdamW when decoupled: at step t, for each
// weight, w ← w(1 − lr·λ) (AdamW) or g ← g + λw (Adam); m ← β₁m + (1−β₁)g;
// v ← β₂v + (1−β₂)g²; w ← w − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε).
type adam struct {
	lr, beta1, beta2, eps, weightDecay float64
	decoupled                          bool
	t                                  int
	m, v                               [][]float32
}

func (o *adam) SetLR(lr float64) { o.lr = lr }

func (o *adam) Step(params []G.ValueGrad) error {
	if o.m == nil {
		o.m, o.v = make([][]float32, len(params)), make([][]float32, len(params))
	}
	o.t++
	// The scalars as PyTorch computes them: in double precision, then
	// used with float32 tensors.
	stepSize := float32(o.lr / (1 - math.Pow(o.beta1, float64(o.t))))
	bc2 := float32(math.Sqrt(1 - math.Pow(o.beta2, float64(o.t))))
	b1, b2, eps, wd := float32(o.beta1), float32(o.beta2), float32(o.eps), float32(o.weightDecay)
	shrink := float32(1 - o.lr*o.weightDecay)
	for k, p := range params {
		w, g, err := float32s(p, "adam")
		if err != nil {
			return err
		}
		if o.m[k] == nil {
			o.m[k], o.v[k] = make([]float32, len(w)), make([]float32, len(w))
		}
		m, v := o.m[k], o.v[k]
		for i := range w {
			d := g[i]
			if o.decoupled {
				w[i] *= shrink
			} else if wd != 0 {
				d += wd * w[i]
			}
			m[i] = b1*m[i] + (1-b1)*d
			v[i] = b2*v[i] + (1-b2)*d*d
			denom := float32(math.Sqrt(float64(v[i])))/bc2 + eps
			w[i] -= stepSize * m[i] / denom
		}
	}
	return nil
}
