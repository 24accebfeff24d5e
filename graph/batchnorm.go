package graph

import (
	"cmp"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/zoo/internal/avx512"
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
	beta, err2 := b.store.param(name+".bias", Learnable, []int{1, c, 1, 1}, []int{c}, false, constant(0))
	mean, err3 := b.store.param(name+".running_mean", Buffer, []int{c}, []int{c}, false, constant(0))
	variance, err4 := b.store.param(name+".running_var", Buffer, []int{c}, []int{c}, false, constant(1))
	if err := cmp.Or(err, err2, err3, err4); err != nil { // a store's limit passed
		b.fail(err, "batchnorm2d")
		return nil
	}
	count := b.store.counter(name + ".num_batches_tracked")
	op := &batchNormOp{
		name: name, training: b.mode == Training,
		momentum: BatchNormMomentum, eps: BatchNormEpsilon,
		runningMean: mean.Value, runningVar: variance.Value, batches: count.Value.Data().([]int64),
	}
	y, err := G.ApplyOp(op, x, b.node(gamma), b.node(beta))
	b.fail(err, "batchnorm2d "+name)
	b.record(y, Block{Kind: BatchNorm2dBlock, Name: name, Inputs: []*G.Node{x}, Params: []*Param{gamma, beta, mean, variance}, Epsilon: op.eps})
	return y
}

// batchNormOp computes the normalisation; in training it keeps the batch
// mean and 1/sqrt(σ²+ε) for its gradient ops, and the per-channel sums of dy
// that those ops share.
type batchNormOp struct {
	opBase
	name              string
	training          bool
	momentum, eps     float64
	runningMean       *tensor.Dense
	runningVar        *tensor.Dense
	batches           []int64
	mean, invStd      []float64 // of the last training batch, per channel
	lastN, lastSpread int
	out               *tensor.Dense

	// gen counts Do calls, so that gradient sums of an earlier step (or of
	// statistics since replaced) are never taken for this one's.
	gen  uint64
	sums bnSums
}

// bnSums are Σdy and Σdy·(x-μ) per channel: each of the three gradient ops
// needs them, so the first to run in a step computes them for the others.
// They hold for the forward run gen and the tensors x and dy; Gorgonia may
// run the gradient ops in any order.
type bnSums struct {
	gen            uint64
	x, dy          *tensor.Dense
	sumDy, sumDyXc []float64
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
	op.gen++
	y := output(&op.out, x.Dtype(), x.Shape()...)
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

// bnForward normalises x into y. The batch statistics are computed with the
// channels shared among goroutines, each channel's sums on one goroutine in a
// fixed order, so that they do not depend on GOMAXPROCS; the normalisation,
// elementwise, is shared out by samples, whose memory is contiguous.
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
	mean, invStd := op.mean, op.invStd
	if op.training {
		forBlocks(c, 3*len(x), func(_, lo, hi int) {
			// Sums of x-k per channel in one pass, k the channel's
			// first value: k is a few σ from μ at most in practice, so
			// Σ(x-k)² − (Σ(x-k))²/M loses a few bits of float64 where
			// Σx² − (Σx)²/M could lose them all. The sums wait in mean
			// and invStd. Samples outside, channels inside: a block's
			// slabs of one sample are contiguous.
			for ch := lo; ch < hi; ch++ {
				mean[ch], invStd[ch] = 0, 0
			}
			for i := 0; i < n; i++ {
				for ch := lo; ch < hi; ch++ {
					base := (i*c + ch) * spread
					s, q := shiftedSums(x[base:base+spread], float64(x[ch*spread]))
					mean[ch] += s
					invStd[ch] += q
				}
			}
			for ch := lo; ch < hi; ch++ {
				sum, sq := mean[ch], invStd[ch]
				variance := max(0, (sq-sum*sum/float64(m))/float64(m))
				mean[ch] = float64(x[ch*spread]) + sum/float64(m)
				invStd[ch] = 1 / math.Sqrt(variance+op.eps)
				mom := op.momentum
				runMean[ch] = T((1-mom)*float64(runMean[ch]) + mom*mean[ch])
				runVar[ch] = T((1-mom)*float64(runVar[ch]) + mom*variance*float64(m)/float64(m-1))
			}
		})
		op.batches[0]++
	} else {
		for ch := range c {
			mean[ch] = float64(runMean[ch])
			invStd[ch] = 1 / math.Sqrt(float64(runVar[ch])+op.eps)
		}
	}
	forBlocks(n, 3*len(x), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			for ch := 0; ch < c; ch++ {
				// In T: the result has T's precision anyway, and
				// x-μ is exact for x near μ.
				base := (i*c + ch) * spread
				normalise(x[base:base+spread], y[base:base+spread], T(mean[ch]), T(float64(gamma[ch])*invStd[ch]), beta[ch])
			}
		}
	})
	return nil
}

// normalise writes (x-mu)·scale + shift to y. This and the three kernels
// below take float32 data through AVX-512 assembly where the CPU has it
// (internal/avx512/bn_amd64.s: the same formulas on 8 or 16 lanes, with a fused
// multiply-add here).
func normalise[T float](x, y []T, mu, scale, shift T) {
	if x32, ok := any(x).([]float32); ok && hasAVX512 && len(x) > 0 {
		y32 := any(y).([]float32)[:len(x32)]
		avx512.BNNormalise(&x32[0], &y32[0], len(x32), float32(mu), float32(scale), float32(shift))
		return
	}
	y = y[:len(x)]
	for j, v := range x {
		y[j] = (v-mu)*scale + shift
	}
}

// shiftedSums is Σ(v-k) and Σ(v-k)², in float64, on four accumulators each:
// one is bound by the latency of its additions.
func shiftedSums[T float](v []T, k float64) (sum, sq float64) {
	if v32, ok := any(v).([]float32); ok && hasAVX512 && len(v) > 0 {
		return avx512.BNShiftedSums(&v32[0], len(v32), k)
	}
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	i := 0
	for ; i+4 <= len(v); i += 4 {
		w := v[i : i+4 : i+4]
		d0, d1, d2, d3 := float64(w[0])-k, float64(w[1])-k, float64(w[2])-k, float64(w[3])-k
		s0, s1, s2, s3 = s0+d0, s1+d1, s2+d2, s3+d3
		q0, q1, q2, q3 = q0+d0*d0, q1+d1*d1, q2+d2*d2, q3+d3*d3
	}
	for ; i < len(v); i++ {
		d := float64(v[i]) - k
		s0 += d
		q0 += d * d
	}
	return (s0 + s1) + (s2 + s3), (q0 + q1) + (q2 + q3)
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
	opBase
	fwd *batchNormOp
	wrt int
	out *tensor.Dense
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
	if !dy.Shape().Eq(x.Shape()) || dy.Dtype() != x.Dtype() {
		return nil, errors.Errorf("batchnorm2d gradient: output gradient %v %v for input %v %v", dy.Shape(), dy.Dtype(), x.Shape(), x.Dtype())
	}
	fwd, shape := op.fwd, x.Shape()
	if len(shape) != 4 || len(fwd.mean) != shape[1] || fwd.lastN != shape[0] || fwd.lastSpread != shape[2]*shape[3] {
		return nil, errors.Errorf("batchnorm2d %s gradient: input %v does not match the last forward run", fwd.name, shape)
	}
	sums := &fwd.sums
	shared := sums.gen == fwd.gen && sums.x == x && sums.dy == dy
	if !shared && len(sums.sumDy) != shape[1] {
		sums.sumDy, sums.sumDyXc = make([]float64, shape[1]), make([]float64, shape[1])
	}
	out := output(&op.out, x.Dtype(), values[op.wrtInput()].Shape()...)
	switch x.Dtype() {
	case tensor.Float32:
		bnBackward(op, shape, x.Float32s(), gamma.Float32s(), dy.Float32s(), out.Float32s(), shared)
	case tensor.Float64:
		bnBackward(op, shape, x.Float64s(), gamma.Float64s(), dy.Float64s(), out.Float64s(), shared)
	default:
		return nil, errors.Errorf("batchnorm2d gradient: unsupported dtype %v", x.Dtype())
	}
	sums.gen, sums.x, sums.dy = fwd.gen, x, dy
	return out, nil
}

// bnBackward writes the gradient op's result to out. Unless shared says
// that another gradient op of this step left them, it first computes the
// sums of dy into fwd.sums, with channels shared among goroutines as in
// bnForward and the same guarantee; dx, elementwise, is shared out by
// samples.
func bnBackward[T float](op *batchNormGradOp, shape tensor.Shape, x, gamma, dy, out []T, shared bool) {
	n, c, spread := shape[0], shape[1], shape[2]*shape[3]
	m := float64(n * spread)
	fwd := op.fwd
	sumDy, sumDyXc := fwd.sums.sumDy, fwd.sums.sumDyXc
	if !shared {
		forBlocks(c, 4*len(x), func(_, lo, hi int) {
			for ch := lo; ch < hi; ch++ {
				sumDy[ch], sumDyXc[ch] = 0, 0
			}
			for i := 0; i < n; i++ {
				for ch := lo; ch < hi; ch++ {
					base := (i*c + ch) * spread
					s, sx := dySums(x[base:base+spread], dy[base:base+spread], fwd.mean[ch])
					sumDy[ch] += s
					sumDyXc[ch] += sx
				}
			}
		})
	}
	switch op.wrt {
	case 1:
		for ch := range c {
			out[ch] = T(sumDyXc[ch] * fwd.invStd[ch])
		}
	case 2:
		for ch := range c {
			out[ch] = T(sumDy[ch])
		}
	default:
		forBlocks(n, 5*len(x), func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				for ch := 0; ch < c; ch++ {
					// dx = k·(M·dy − Σdy − x̂·Σdy·x̂) with k = γ/(σ·M)
					// is a·dy − b·x + e. In float64, as b·x and e
					// cancel: the error, about 1e-16·|μ|/σ relative,
					// stays below float32's unless |μ|/σ > 1e8.
					mean, invStd := fwd.mean[ch], fwd.invStd[ch]
					k := float64(gamma[ch]) * invStd / m
					b := k * invStd * invStd * sumDyXc[ch]
					base := (i*c + ch) * spread
					gradInput(x[base:base+spread], dy[base:base+spread], out[base:base+spread], k*m, b, b*mean-k*sumDy[ch])
				}
			}
		})
	}
}

// gradInput writes a·dy − b·x + e to out.
func gradInput[T float](x, dy, out []T, a, b, e float64) {
	if x32, ok := any(x).([]float32); ok && hasAVX512 && len(x) > 0 {
		dy32, out32 := any(dy).([]float32)[:len(x32)], any(out).([]float32)[:len(x32)]
		avx512.BNGradInput(&x32[0], &dy32[0], &out32[0], len(x32), a, b, e)
		return
	}
	dy, out = dy[:len(x)], out[:len(x)]
	for j, v := range x {
		out[j] = T(a*float64(dy[j]) - b*float64(v) + e)
	}
}

// dySums is Σdy and Σdy·(x-mean), in float64, on two accumulators each.
func dySums[T float](x, dy []T, mean float64) (sum, sumXc float64) {
	if x32, ok := any(x).([]float32); ok && hasAVX512 && len(x) > 0 {
		dy32 := any(dy).([]float32)[:len(x32)]
		return avx512.BNDySums(&x32[0], &dy32[0], len(x32), mean)
	}
	dy = dy[:len(x)]
	var s0, s1, p0, p1 float64
	i := 0
	for ; i+2 <= len(x); i += 2 {
		g0, g1 := float64(dy[i]), float64(dy[i+1])
		s0, s1 = s0+g0, s1+g1
		p0, p1 = p0+g0*(float64(x[i])-mean), p1+g1*(float64(x[i+1])-mean)
	}
	if i < len(x) {
		g := float64(dy[i])
		s0 += g
		p0 += g * (float64(x[i]) - mean)
	}
	return s0 + s1, p0 + p1
}
