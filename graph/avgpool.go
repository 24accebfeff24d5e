package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// AvgPool2d adds PyTorch's nn.AvgPool2d(kernel) (stride = kernel, no
// padding) for x of shape (N, C, H, W): each output is the mean of its
// kernel×kernel window, (N, C, ⌊H/kernel⌋, ⌊W/kernel⌋), the rows and
// columns past the last whole window dropped (they take no gradient). It
// fails when the kernel does not fit the input.
func AvgPool2d(b *Builder, x *G.Node, kernel int) *G.Node {
	if !b.ok(x) || !b.expectDims("avgpool2d", x, 4) {
		return nil
	}
	s := x.Shape()
	if kernel < 1 || s[2] < kernel || s[3] < kernel {
		b.Failf("avgpool2d: kernel %d does not fit input %v", kernel, shapeString(s))
		return nil
	}
	y, err := G.ApplyOp(&avgPoolOp{kh: kernel, kw: kernel}, x)
	b.fail(err, "avgpool2d")
	b.record(y, Block{Kind: AvgPool2dBlock, Inputs: []*G.Node{x}, Kernel: kernel, Stride: kernel})
	return y
}

// GlobalAvgPool2d adds global average pooling, PyTorch's
// adaptive_avg_pool2d(x, 1) (nn.AdaptiveAvgPool2d((1, 1)), torchvision's
// ResNet avgpool): the mean of each channel's H×W plane, for x of shape
// (N, C, H, W), as (N, C, 1, 1).
func GlobalAvgPool2d(b *Builder, x *G.Node) *G.Node {
	if !b.ok(x) || !b.expectDims("globalavgpool2d", x, 4) {
		return nil
	}
	s := x.Shape()
	y, err := G.ApplyOp(&avgPoolOp{kh: s[2], kw: s[3], global: true}, x)
	b.fail(err, "globalavgpool2d")
	b.record(y, Block{Kind: GlobalAvgPool2dBlock, Inputs: []*G.Node{x}})
	return y
}

// avgPoolOp is the mean over kh×kw windows at stride (kh, kw), no padding.
// Each window is summed in float64, in row-major order, and divided by its
// size once.
type avgPoolOp struct {
	opBase
	kh, kw int
	global bool // the window is the whole plane (names only)
	out    *tensor.Dense
}

func (op *avgPoolOp) what() string {
	if op.global {
		return "globalavgpool2d"
	}
	return "avgpool2d"
}

// shape is the output shape for input s, or an error.
func (op *avgPoolOp) shape(s tensor.Shape) (tensor.Shape, error) {
	if len(s) != 4 || op.kh < 1 || op.kw < 1 || s[2] < op.kh || s[3] < op.kw {
		return nil, errors.Errorf("%s: window %d×%d does not fit input %v", op.what(), op.kh, op.kw, s)
	}
	return tensor.Shape{s[0], s[1], s[2] / op.kh, s[3] / op.kw}, nil
}

func (op *avgPoolOp) Arity() int { return 1 }
func (op *avgPoolOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}
func (op *avgPoolOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("%s: input shape is %T", op.what(), in[0])
	}
	return op.shape(s)
}
func (op *avgPoolOp) WriteHash(h hash.Hash) { writeHash(h, "avgpool2d(%d,%d)", op.kh, op.kw) }
func (op *avgPoolOp) Hashcode() uint32      { return hashOf(op.WriteHash) }
func (op *avgPoolOp) String() string {
	if op.global {
		return "GlobalAvgPool2d"
	}
	return fmt.Sprintf("AvgPool2d(%d)", op.kh)
}

func (op *avgPoolOp) Do(values ...G.Value) (G.Value, error) {
	if len(values) != 1 {
		return nil, errors.Errorf("%s: %d inputs, want 1", op.what(), len(values))
	}
	x, err := dense(values[0], op.what()+" input")
	if err != nil {
		return nil, err
	}
	ys, err := op.shape(x.Shape())
	if err != nil {
		return nil, err
	}
	y := output(&op.out, x.Dtype(), ys...)
	switch x.Dtype() {
	case tensor.Float32:
		avgPoolForward(x.Shape(), op.kh, op.kw, x.Float32s(), y.Float32s())
	case tensor.Float64:
		avgPoolForward(x.Shape(), op.kh, op.kw, x.Float64s(), y.Float64s())
	default:
		return nil, errors.Errorf("%s: unsupported dtype %v", op.what(), x.Dtype())
	}
	return y, nil
}

// avgPoolForward writes each window's mean to y, sample block by sample
// block.
func avgPoolForward[T float](s tensor.Shape, kh, kw int, x, y []T) {
	n, c, h, w := s[0], s[1], s[2], s[3]
	ho, wo := h/kh, w/kw
	scale := 1 / float64(kh*kw)
	forBlocks(n, n*c*h*w, func(_, lo, hi int) {
		for p := lo * c; p < hi*c; p++ {
			plane, yp := x[p*h*w:(p+1)*h*w], y[p*ho*wo:(p+1)*ho*wo]
			for oy := 0; oy < ho; oy++ {
				for ox := 0; ox < wo; ox++ {
					var sum float64
					for ki := 0; ki < kh; ki++ {
						for _, v := range plane[(oy*kh+ki)*w+ox*kw : (oy*kh+ki)*w+ox*kw+kw] {
							sum += float64(v)
						}
					}
					yp[oy*wo+ox] = T(sum * scale)
				}
			}
		}
	})
}

func (op *avgPoolOp) DiffWRT(int) []bool { return []bool{true} }

func (op *avgPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return oneGradient(&avgPoolGradOp{fwd: op}, inputs[0], grad)
}

// avgPoolGradOp is the derivative of avgPoolOp from (x, dy): every input
// of a window receives dy/(kh·kw), the dropped rows and columns 0.
type avgPoolGradOp struct {
	opBase
	fwd *avgPoolOp
	out *tensor.Dense
}

func (op *avgPoolGradOp) Arity() int { return 2 }
func (op *avgPoolGradOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op *avgPoolGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return sameShape(op.fwd.what()+" gradient", in[0])
}
func (op *avgPoolGradOp) WriteHash(h hash.Hash) {
	writeHash(h, "avgpool2d-grad(%d,%d)", op.fwd.kh, op.fwd.kw)
}
func (op *avgPoolGradOp) Hashcode() uint32 { return hashOf(op.WriteHash) }
func (op *avgPoolGradOp) String() string   { return op.fwd.String() + "Grad" }

func (op *avgPoolGradOp) Do(values ...G.Value) (G.Value, error) {
	what := op.fwd.what() + " gradient"
	if len(values) != 2 {
		return nil, errors.Errorf("%s: %d inputs, want 2", what, len(values))
	}
	x, err := dense(values[0], what)
	if err != nil {
		return nil, err
	}
	dy, err := dense(values[1], what)
	if err != nil {
		return nil, err
	}
	ys, err := op.fwd.shape(x.Shape())
	if err != nil {
		return nil, err
	}
	if !dy.Shape().Eq(ys) || dy.Dtype() != x.Dtype() {
		return nil, errors.Errorf("%s: output gradient %v %v for input %v %v", what, dy.Shape(), dy.Dtype(), x.Shape(), x.Dtype())
	}
	dx := output(&op.out, x.Dtype(), x.Shape()...)
	switch x.Dtype() {
	case tensor.Float32:
		avgPoolBackward(x.Shape(), op.fwd.kh, op.fwd.kw, dy.Float32s(), dx.Float32s())
	case tensor.Float64:
		avgPoolBackward(x.Shape(), op.fwd.kh, op.fwd.kw, dy.Float64s(), dx.Float64s())
	default:
		return nil, errors.Errorf("%s: unsupported dtype %v", what, x.Dtype())
	}
	return dx, nil
}

func avgPoolBackward[T float](s tensor.Shape, kh, kw int, dy, dx []T) {
	n, c, h, w := s[0], s[1], s[2], s[3]
	ho, wo := h/kh, w/kw
	scale := 1 / float64(kh*kw)
	forBlocks(n, n*c*h*w, func(_, lo, hi int) {
		for p := lo * c; p < hi*c; p++ {
			plane, dp := dx[p*h*w:(p+1)*h*w], dy[p*ho*wo:(p+1)*ho*wo]
			clear(plane)
			for oy := 0; oy < ho; oy++ {
				for ox := 0; ox < wo; ox++ {
					g := T(float64(dp[oy*wo+ox]) * scale)
					for ki := 0; ki < kh; ki++ {
						row := plane[(oy*kh+ki)*w+ox*kw : (oy*kh+ki)*w+ox*kw+kw]
						for j := range row {
							row[j] = g
						}
					}
				}
			}
		}
	})
}
