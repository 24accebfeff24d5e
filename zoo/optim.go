package zoo

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// The built-in optimizers (Config.Optimizer), with PyTorch's semantics;
// RegisterOptimizer adds others.
const (
	// OptimizerSGD is torch.optim.SGD: plain SGD, the course's, unless
	// its momentum or Config.WeightDecay are set.
	OptimizerSGD = "sgd"
	// OptimizerMomentum is SGD with momentum: its momentum defaults to
	// 0.9, with dampening and nesterov as torch.optim.SGD has them.
	OptimizerMomentum = "momentum"
	// OptimizerAdam is torch.optim.Adam (the weight decay adds to the
	// gradient).
	OptimizerAdam = "adam"
	// OptimizerAdamW is torch.optim.AdamW (the weight decay shrinks the
	// weights).
	OptimizerAdamW = "adamw"
)

// DefaultOptimizer is the optimizer of a Config that names none (""): the
// course's plain SGD.
const DefaultOptimizer = OptimizerSGD

// OptimizerName is c.Optimizer, DefaultOptimizer when "".
func (c Config) OptimizerName() string {
	if c.Optimizer == "" {
		return DefaultOptimizer
	}
	return c.Optimizer
}

// builtinOptimizers registers PyTorch's usual optimizers. It is a package
// variable, not an init function, so that they are registered before any
// init function (the course's models' recipes name one) runs.
var _ = registerBuiltinOptimizers()

func registerBuiltinOptimizers() bool {
	sgdSettings := func(momentum float64) []Setting {
		return []Setting{
			{Name: "momentum", Default: momentum, Help: "momentum factor"},
			{Name: "dampening", Default: 0, Help: "dampening for momentum"},
			{Name: "nesterov", Switch: true, Help: "Nesterov momentum"},
		}
	}
	adamSettings := []Setting{
		{Name: "beta1", Default: 0.9, Help: "coefficient of the running average of the gradient"},
		{Name: "beta2", Default: 0.999, Help: "coefficient of the running average of its square"},
		{Name: "eps", Default: 1e-8, Help: "term added to the denominator"},
	}
	// Adam's part of the hash keeps the form it had before optimizers
	// were registered.
	adamHash := func(s Settings) string {
		return fmt.Sprintf(" betas=%v,%v eps=%v", s["beta1"], s["beta2"], s["eps"])
	}
	for _, o := range []OptimizerSpec{
		{Name: OptimizerSGD, Description: "torch.optim.SGD (plain, the course's, unless given a momentum or weight decay)",
			Settings: sgdSettings(0), New: newSGD},
		{Name: OptimizerMomentum, Description: "torch.optim.SGD(momentum=0.9)",
			Settings: sgdSettings(0.9), New: newSGD, HashAs: OptimizerSGD},
		{Name: OptimizerAdam, Description: "torch.optim.Adam (weight decay added to the gradient)",
			Settings: adamSettings, New: newAdam(false), Hash: adamHash},
		{Name: OptimizerAdamW, Description: "torch.optim.AdamW (weight decay decoupled)",
			Settings: adamSettings, New: newAdam(true), Hash: adamHash},
	} {
		if err := RegisterOptimizer(o); err != nil {
			panic(err) // the built-in table is wrong: a programming error
		}
	}
	return true
}

// optimizerSpec is c's registered optimizer and its settings with the
// defaults filled in.
func (c Config) optimizerSpec() (OptimizerSpec, Settings, error) {
	o, err := LookupOptimizer(c.Optimizer)
	if err != nil {
		return o, nil, err
	}
	full, err := o.withDefaults(c.OptimizerSettings)
	return o, full, err
}

// NewOptimizer makes c's optimizer at learning rate c.LR with c's weight
// decay and settings, PyTorch's defaults for those not given; it fails, one
// line, on an unknown optimizer, a setting it does not have or a value out
// of range. The harness makes its own (Model.NewTrainerFor); this is for a
// training loop of one's own.
func (c Config) NewOptimizer() (Optimizer, error) {
	if c.WeightDecay < 0 || math.IsInf(c.WeightDecay, 0) || math.IsNaN(c.WeightDecay) {
		return nil, errors.Errorf("weight decay must be a non-negative number, got %v", c.WeightDecay)
	}
	o, full, err := c.optimizerSpec()
	if err != nil {
		return nil, err
	}
	opt, err := o.New(c.LR, c.WeightDecay, full)
	if err == nil && opt == nil {
		err = errors.Errorf("optimizer %s made nothing", o.Name)
	}
	return opt, err
}

// plainSGD says that c trains as the course does: its default optimizer
// with the default settings (plain SGD), no weight decay, at a learning rate
// no schedule changes, on batches as they are (no cropping, no clipping).
// Such a configuration hashes as the course's always has.
func (c Config) plainSGD() bool {
	if c.OptimizerName() != DefaultOptimizer || c.WeightDecay != 0 || c.Schedule != "" || c.WarmupEpochs != 0 ||
		c.CropPadding != 0 || c.ClipGradNorm != 0 {
		return false
	}
	o, err := LookupOptimizer(DefaultOptimizer)
	if err != nil {
		return false
	}
	for name, v := range c.OptimizerSettings {
		if s, ok := o.setting(name); !ok || v != s.Default {
			return false
		}
	}
	return true
}

// newSGD is torch.optim.SGD: plain SGD (the sgd type, bit for bit the
// harness's SGD of before) without momentum and weight decay.
func newSGD(lr, wd float64, s Settings) (Optimizer, error) {
	mu, damp, nesterov := s["momentum"], s["dampening"], s["nesterov"] == 1
	switch {
	case mu < 0 || mu >= 1:
		return nil, errors.Errorf("momentum must be in [0, 1), got %v", mu)
	case damp < 0 || damp > 1:
		return nil, errors.Errorf("dampening must be in [0, 1], got %v", damp)
	case mu == 0 && (damp != 0 || nesterov):
		return nil, errors.New("dampening and Nesterov apply to momentum: give a momentum or the momentum optimizer")
	case nesterov && damp != 0:
		return nil, errors.New("Nesterov momentum requires zero dampening")
	case mu == 0 && wd == 0:
		return &sgd{lr: lr}, nil
	}
	return &momentumSGD{lr: lr, momentum: mu, dampening: damp, nesterov: nesterov, weightDecay: wd}, nil
}

func (s *sgd) SetLR(lr float64) { s.lr = lr }

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
		w, g, err := ParamFloat32s(p)
		if err != nil {
			return errors.Wrap(err, "sgd")
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

// newAdam makes torch.optim.Adam, or AdamW when decoupled.
func newAdam(decoupled bool) func(lr, wd float64, s Settings) (Optimizer, error) {
	return func(lr, wd float64, s Settings) (Optimizer, error) {
		b1, b2, eps := s["beta1"], s["beta2"], s["eps"]
		switch {
		case b1 < 0 || b1 >= 1 || b2 < 0 || b2 >= 1:
			return nil, errors.Errorf("Adam's betas must be in [0, 1), got %v and %v", b1, b2)
		case !(eps > 0):
			return nil, errors.Errorf("Adam's eps must be positive, got %v", eps)
		}
		return &adam{lr: lr, beta1: b1, beta2: b2, eps: eps, weightDecay: wd, decoupled: decoupled}, nil
	}
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
		w, g, err := ParamFloat32s(p)
		if err != nil {
			return errors.Wrap(err, "adam")
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
