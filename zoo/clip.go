package zoo

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// clipEps is what torch.nn.utils.clip_grad_norm_ adds to the norm.
const clipEps = 1e-6

// ClipGradients scales the gradients of params in place so that their
// global L2 norm, ‖(g₁, …, gₙ)‖₂ = √(Σₖ‖gₖ‖₂²), is at most maxNorm, as
// torch.nn.utils.clip_grad_norm_(parameters, maxNorm) does: every gradient
// is multiplied by min(1, maxNorm / (norm + 1e-6)), in float32. It returns
// the norm before clipping. maxNorm must be positive; the gradients must be
// float32 tensors (ParamFloat32s). A norm that is not finite leaves them
// NaN or infinite, as PyTorch's (error_if_nonfinite=False) does.
func ClipGradients(params []G.ValueGrad, maxNorm float64) (float64, error) {
	if !(maxNorm > 0) || math.IsInf(maxNorm, 0) {
		return 0, errors.Errorf("clipping the gradients: the largest norm must be a positive number, got %v", maxNorm)
	}
	grads := make([][]float32, len(params))
	// PyTorch stacks each gradient's norm, rounded to float32, and takes
	// the norm of that; the sums here are in float64, to float32 rounding
	// of PyTorch's.
	var total float64
	for k, p := range params {
		_, g, err := ParamFloat32s(p)
		if err != nil {
			return 0, errors.Wrap(err, "clipping the gradients")
		}
		grads[k] = g
		var sq float64
		for _, v := range g {
			sq += float64(v) * float64(v)
		}
		n := float64(float32(math.Sqrt(sq)))
		total += n * n
	}
	norm := float32(math.Sqrt(total))
	coef := float32(maxNorm) / (norm + clipEps)
	if !(coef >= 1) { // a NaN norm makes every gradient NaN, as in PyTorch
		for _, g := range grads {
			for i := range g {
				g[i] *= coef
			}
		}
	}
	return float64(norm), nil
}
