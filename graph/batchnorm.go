package graph

import (
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// PyTorch's BatchNorm2d defaults.
const (
	BatchNormMomentum = 0.1
	BatchNormEpsilon  = 1e-5
)

// BatchNorm2d adds PyTorch's nn.BatchNorm2d(C) for x of shape (N, C, H, W):
// y = γ·(x-μ)/sqrt(σ²+ε) + β per channel. In Training mode μ and σ² are the
// batch's (σ² biased) and the running statistics move towards them with
// momentum 0.1 (the running variance with the unbiased batch variance), as
// PyTorch does; in Inference mode the running statistics are used.
//
// Its parameters are name+".weight" (γ, ones), name+".bias" (β, zeros), and
// the buffers name+".running_mean", name+".running_var" and
// name+".num_batches_tracked". It is one Gorgonia op with a symbolic
// derivative, rather than Gorgonia's BatchNorm, whose running statistics live
// inside the op and are reset when a VM is built.
func BatchNorm2d(b *Builder, name string, x *G.Node) *G.Node {
	if !b.ok(x) || !b.expectDims("batchnorm2d "+name, x, 4) {
		return nil
	}
	c := x.Shape()[1]
	gamma, err := b.store.param(name+".weight", Learnable, []int{1, c, 1, 1}, []int{c}, false, constant(1))
	if err != nil {
		b.fail(err, "batchnorm2d")
		return nil
	}
	beta, _ := b.store.param(name+".bias", Learnable, []int{1, c, 1, 1}, []int{c}, false, constant(0))
	mean, _ := b.store.param(name+".running_mean", Buffer, []int{c}, []int{c}, false, constant(0))
	variance, _ := b.store.param(name+".running_var", Buffer, []int{c}, []int{c}, false, constant(1))
	count := b.store.counter(name + ".num_batches_tracked")
	op := &batchNormOp{
		name: name, training: b.mode == Training,
		momentum: BatchNormMomentum, eps: BatchNormEpsilon,
		runningMean: mean.Value, runningVar: variance.Value, batches: count.Value.Data().([]int64),
	}
	y, err := G.ApplyOp(op, x, b.node(gamma), b.node(beta))
	b.fail(err, "batchnorm2d "+name)
	return y
}

// batchNormOp computes the normalisation; in training it keeps the batch
// mean and 1/sqrt(σ²+ε) for its gradient ops.
type batchNormOp struct {
	name              string
	training          bool
	momentum, eps     float64
	runningMean       *tensor.Dense
	runningVar        *tensor.Dense
	batches           []int64
	mean, invStd      []float64 // of the last training batch, per channel
	lastN, lastSpread int
}

func (op *batchNormOp) Arity() int { return 3 }
func (op *batchNormOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: 4, Of: a}
	return hm.NewFnType(t, t, t, t)
}
func (op *batchNormOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("batchnorm2d: input shape is %T", in[0])
	}
	return s.Clone(), nil
}
func (op *batchNormOp) ReturnsPtr() bool     { return false }
func (op *batchNormOp) CallsExtern() bool    { return false }
func (op *batchNormOp) OverwritesInput() int { return -1 }
func (op *batchNormOp) WriteHash(h hash.Hash) {
	writeHash(h, "batchnorm2d(%s,%v,%v,%v)", op.name, op.training, op.momentum, op.eps)
}
func (op *batchNormOp) Hashcode() uint32 { return hashOf(op.WriteHash) }
func (op *batchNormOp) String() string {
	return "BatchNorm2d(" + op.name + ", " + map[bool]string{true: "training", false: "inference"}[op.training] + ")"
}

func (op *batchNormOp) Do(values ...G.Value) (G.Value, error) {
	if len(values) != 3 {
		return nil, errors.Errorf("batchnorm2d: %d inputs, want 3", len(values))
	}
	x, err := dense(values[0], "batchnorm2d input")
	if err != nil {
		return nil, err
	}
	gamma, err := dense(values[1], "batchnorm2d weight")
	if err != nil {
		return nil, err
	}
	beta, err := dense(values[2], "batchnorm2d bias")
	if err != nil {
		return nil, err
	}
	y := newLike(x, x.Shape()...)
	switch x.Dtype() {
	case tensor.Float32:
		err = bnForward(op, x.Shape(), x.Float32s(), gamma.Float32s(), beta.Float32s(), y.Float32s(), op.runningMean.Float32s(), op.runningVar.Float32s())
	case tensor.Float64:
		err = bnForward(op, x.Shape(), x.Float64s(), gamma.Float64s(), beta.Float64s(), y.Float64s(), op.runningMean.Float64s(), op.runningVar.Float64s())
	default:
		err = errors.Errorf("batchnorm2d: unsupported dtype %v", x.Dtype())
	}
	return y, err
}

func bnForward[T float](op *batchNormOp, shape tensor.Shape, x, gamma, beta, y, runMean, runVar []T) error {
	n, c, spread := shape[0], shape[1], shape[2]*shape[3]
	m := n * spread
	if op.training && m < 2 {
		return errors.Errorf("batchnorm2d %s: training needs more than one value per channel, got input %v", op.name, shape)
	}
	if len(op.mean) != c {
		op.mean, op.invStd = make([]float64, c), make([]float64, c)
	}
	op.lastN, op.lastSpread = n, spread
	for ch := 0; ch < c; ch++ {
		var mean, invStd float64
		if op.training {
			var sum float64
			for i := 0; i < n; i++ {
				for _, v := range x[(i*c+ch)*spread : (i*c+ch+1)*spread] {
					sum += float64(v)
				}
			}
			mean = sum / float64(m)
			var sq float64
			for i := 0; i < n; i++ {
				for _, v := range x[(i*c+ch)*spread : (i*c+ch+1)*spread] {
					d := float64(v) - mean
					sq += d * d
				}
			}
			variance := sq / float64(m)
			invStd = 1 / math.Sqrt(variance+op.eps)
			op.mean[ch], op.invStd[ch] = mean, invStd
			mom := op.momentum
			runMean[ch] = T((1-mom)*float64(runMean[ch]) + mom*mean)
			runVar[ch] = T((1-mom)*float64(runVar[ch]) + mom*variance*float64(m)/float64(m-1))
		} else {
			mean = float64(runMean[ch])
			invStd = 1 / math.Sqrt(float64(runVar[ch])+op.eps)
		}
		scale := float64(gamma[ch]) * invStd
		shift := float64(beta[ch]) - mean*scale
		for i := 0; i < n; i++ {
			base := (i*c + ch) * spread
			for j, v := range x[base : base+spread] {
				y[base+j] = T(float64(v)*scale + shift)
			}
		}
	}
	if op.training {
		op.batches[0]++
	}
	return nil
}

func (op *batchNormOp) DiffWRT(int) []bool { return []bool{true, true, true} }

func (op *batchNormOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if !op.training {
		return nil, errors.Errorf("batchnorm2d %s: an inference graph is not differentiated", op.name)
	}
	x, gamma := inputs[0], inputs[1]
	dx, err := G.ApplyOp(&batchNormGradOp{fwd: op, wrt: 0}, x, gamma, grad)
	if err != nil {
		return nil, err
	}
	dgamma, err := G.ApplyOp(&batchNormGradOp{fwd: op, wrt: 1}, x, gamma, grad)
	if err != nil {
		return nil, err
	}
	dbeta, err := G.ApplyOp(&batchNormGradOp{fwd: op, wrt: 2}, x, gamma, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dgamma, dbeta}, nil
}

// batchNormGradOp is the derivative of a training-mode batchNormOp with
// respect to its input (wrt 0), scale (1) or shift (2), from the batch
// statistics its forward op kept:
//
//	dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/(σ·M)·(M·dy − dβ − x̂·dγ)
type batchNormGradOp struct {
	fwd *batchNormOp
	wrt int
}

func (op *batchNormGradOp) Arity() int { return 3 }
func (op *batchNormGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: 4, Of: a}
	return hm.NewFnType(t, t, t, t)
}
func (op *batchNormGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[op.wrtInput()].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("batchnorm2d gradient: shape is %T", in[0])
	}
	return s.Clone(), nil
}

// wrtInput is the input whose shape the gradient has (γ's for γ and β).
func (op *batchNormGradOp) wrtInput() int {
	if op.wrt == 0 {
		return 0
	}
	return 1
}
func (op *batchNormGradOp) ReturnsPtr() bool     { return false }
func (op *batchNormGradOp) CallsExtern() bool    { return false }
func (op *batchNormGradOp) OverwritesInput() int { return -1 }
func (op *batchNormGradOp) WriteHash(h hash.Hash) {
	writeHash(h, "batchnorm2d-grad(%s,%d)", op.fwd.name, op.wrt)
}
func (op *batchNormGradOp) Hashcode() uint32 { return hashOf(op.WriteHash) }
func (op *batchNormGradOp) String() string {
	return "BatchNorm2dGrad(" + op.fwd.name + ", " + [...]string{"x", "weight", "bias"}[op.wrt] + ")"
}

func (op *batchNormGradOp) Do(values ...G.Value) (G.Value, error) {
	if len(values) != 3 {
		return nil, errors.Errorf("batchnorm2d gradient: %d inputs, want 3", len(values))
	}
	x, err := dense(values[0], "batchnorm2d gradient input")
	if err != nil {
		return nil, err
	}
	gamma, err := dense(values[1], "batchnorm2d gradient weight")
	if err != nil {
		return nil, err
	}
	dy, err := dense(values[2], "batchnorm2d gradient")
	if err != nil {
		return nil, err
	}
	out := newLike(x, values[op.wrtInput()].Shape()...)
	switch x.Dtype() {
	case tensor.Float32:
		bnBackward(op, x.Shape(), x.Float32s(), gamma.Float32s(), dy.Float32s(), out.Float32s())
	case tensor.Float64:
		bnBackward(op, x.Shape(), x.Float64s(), gamma.Float64s(), dy.Float64s(), out.Float64s())
	default:
		return nil, errors.Errorf("batchnorm2d gradient: unsupported dtype %v", x.Dtype())
	}
	return out, nil
}

func bnBackward[T float](op *batchNormGradOp, shape tensor.Shape, x, gamma, dy, out []T) {
	n, c, spread := shape[0], shape[1], shape[2]*shape[3]
	m := float64(n * spread)
	for ch := 0; ch < c; ch++ {
		mean, invStd := op.fwd.mean[ch], op.fwd.invStd[ch]
		var sumDy, sumDyXhat float64
		for i := 0; i < n; i++ {
			base := (i*c + ch) * spread
			for j := base; j < base+spread; j++ {
				g := float64(dy[j])
				sumDy += g
				sumDyXhat += g * (float64(x[j]) - mean) * invStd
			}
		}
		switch op.wrt {
		case 1:
			out[ch] = T(sumDyXhat)
		case 2:
			out[ch] = T(sumDy)
		default:
			k := float64(gamma[ch]) * invStd / m
			for i := 0; i < n; i++ {
				base := (i*c + ch) * spread
				for j := base; j < base+spread; j++ {
					xhat := (float64(x[j]) - mean) * invStd
					out[j] = T(k * (m*float64(dy[j]) - sumDy - xhat*sumDyXhat))
				}
			}
		}
	}
}
