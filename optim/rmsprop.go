package optim

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/zoo/zoo"
)

// RMSprop is torch.optim.RMSprop's name in Config.Optimizer and -optimizer.
const RMSprop = "rmsprop"

func init() {
	err := zoo.RegisterOptimizer(zoo.OptimizerSpec{
		Name:        RMSprop,
		Description: "torch.optim.RMSprop (weight decay added to the gradient)",
		Settings: []zoo.Setting{
			{Name: "alpha", Default: 0.99, Help: "smoothing constant of the running average of the squared gradient"},
			{Name: "eps", Default: 1e-8, Help: "term added to the denominator"},
			{Name: "momentum", Default: 0, Help: "momentum factor"},
			{Name: "centered", Switch: true, Help: "normalise by the gradient's estimated variance"},
		},
		New: newRMSprop,
	})
	if err != nil {
		panic(err) // a programming error: the name or a setting is taken
	}
}

func newRMSprop(lr, wd float64, s zoo.Settings) (zoo.Optimizer, error) {
	o := &rmsprop{lr: lr, alpha: s["alpha"], eps: s["eps"], momentum: s["momentum"], centered: s["centered"] == 1, weightDecay: wd}
	// PyTorch's checks.
	switch {
	case o.alpha < 0:
		return nil, errors.Errorf("RMSprop's alpha must not be negative, got %v", o.alpha)
	case o.eps < 0:
		return nil, errors.Errorf("RMSprop's eps must not be negative, got %v", o.eps)
	case o.momentum < 0:
		return nil, errors.Errorf("RMSprop's momentum must not be negative, got %v", o.momentum)
	}
	return o, nil
}

// rmsprop is torch.optim.RMSprop: for each weight, g ← g + λw;
// v ← αv + (1−α)g²; with centered, ḡ ← αḡ + (1−α)g and d = √(v − ḡ²) + ε,
// else d = √v + ε; with momentum μ > 0, b ← μb + g/d and w ← w − lr·b,
// else w ← w − lr·g/d. Arithmetic in float32 in PyTorch's order (its
// addcmul and addcdiv kernels), the scalars computed in float64.
type rmsprop struct {
	lr, alpha, eps, momentum, weightDecay float64
	centered                              bool
	squareAvg, gradAvg, buf               [][]float32 // per parameter; nil before its first step
}

func (o *rmsprop) SetLR(lr float64) { o.lr = lr }

func (o *rmsprop) Step(params []G.ValueGrad) error {
	if o.squareAvg == nil {
		o.squareAvg, o.gradAvg, o.buf = make([][]float32, len(params)), make([][]float32, len(params)), make([][]float32, len(params))
	}
	alpha, rest, eps, mu, wd := float32(o.alpha), float32(1-o.alpha), float32(o.eps), float32(o.momentum), float32(o.weightDecay)
	negLR := float32(-o.lr)
	for k, p := range params {
		w, g, err := zoo.ParamFloat32s(p)
		if err != nil {
			return errors.Wrap(err, "rmsprop")
		}
		if o.squareAvg[k] == nil {
			o.squareAvg[k] = make([]float32, len(w))
			if o.centered {
				o.gradAvg[k] = make([]float32, len(w))
			}
			if mu > 0 {
				o.buf[k] = make([]float32, len(w))
			}
		}
		sq, ga, buf := o.squareAvg[k], o.gradAvg[k], o.buf[k]
		for i := range w {
			d := g[i]
			if wd != 0 {
				d += wd * w[i]
			}
			sq[i] = sq[i]*alpha + rest*d*d
			v := sq[i]
			if o.centered {
				ga[i] = ga[i]*alpha + rest*d
				v -= ga[i] * ga[i]
			}
			avg := float32(math.Sqrt(float64(v))) + eps
			if mu > 0 {
				buf[i] = buf[i]*mu + d/avg
				w[i] += negLR * buf[i]
			} else {
				w[i] += negLR * d / avg
			}
		}
	}
	return nil
}
